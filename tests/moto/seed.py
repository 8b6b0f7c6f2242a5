"""Seeds a moto server with the Webordinary platform for the Aws-mode tests.

Usage: python3 seed.py ENDPOINT_URL [WORKERS]   (prints one JSON object with what it created; WORKERS extra
services besides Hermes, 12 unless given)
"""
import json
import sys

import boto3

endpoint = sys.argv[1]
region = "us-east-1"
session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)


def client(name):
    return session.client(name, endpoint_url=endpoint)


ecs, ec2, elb, ddb, efs = client("ecs"), client("ec2"), client("elbv2"), client("dynamodb"), client("efs")
cluster = "webordinary-edit-cluster"
service = "webordinary-hermes-service"

ecs.create_cluster(clusterName=cluster)
task_definition = ecs.register_task_definition(
    family="hermes",
    containerDefinitions=[{"name": "hermes", "image": "hermes:latest", "memory": 512, "portMappings": [{"containerPort": 3000}]}],
    requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
)["taskDefinition"]["taskDefinitionArn"]

vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnets = [
    ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{region}{zone}")["Subnet"]["SubnetId"]
    for i, zone in enumerate("ab", start=1)
]
# The groups as the team's report recommends them: the ALB takes HTTPS from anywhere and reaches only the Hermes
# port; Hermes takes only the ALB's group on that port (and may go out anywhere).
alb_group = ec2.create_security_group(GroupName="webordinary-alb", Description="alb", VpcId=vpc)["GroupId"]
group = ec2.create_security_group(GroupName="hermes", Description="hermes", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=alb_group, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
ec2.revoke_security_group_egress(GroupId=alb_group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
ec2.authorize_security_group_egress(GroupId=alb_group, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 3000, "ToPort": 3000, "UserIdGroupPairs": [{"GroupId": group}]}])
ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 3000, "ToPort": 3000, "UserIdGroupPairs": [{"GroupId": alb_group}]}])
lb = elb.create_load_balancer(Name="webordinary-alb", Subnets=subnets, SecurityGroups=[alb_group], Scheme="internet-facing", Type="application")["LoadBalancers"][0]
tg = elb.create_target_group(Name="webordinary-hermes-tg", Protocol="HTTP", Port=3000, VpcId=vpc, TargetType="ip",
                             HealthCheckPath="/hermes/health")["TargetGroups"][0]
# The ALB forwards to Hermes' target group (which is how a target group names its load balancer).
elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                    DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.0.1.10", "Port": 3000}, {"Id": "10.0.2.10", "Port": 3000}])

network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group]}}
ecs.create_service(cluster=cluster, serviceName=service, taskDefinition=task_definition, desiredCount=1, launchType="FARGATE",
                   networkConfiguration=network,
                   loadBalancers=[{"targetGroupArn": tg["TargetGroupArn"], "containerName": "hermes", "containerPort": 3000}])
# More services than one page of ListServices (10), so paging is exercised.
workers = int(sys.argv[2]) if len(sys.argv) > 2 else 12
extra = [f"webordinary-worker-{i:03d}" if workers > 100 else f"webordinary-worker-{i:02d}" for i in range(workers)]
for name in extra:
    ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=task_definition, desiredCount=0, launchType="FARGATE",
                       networkConfiguration=network)

table = "webordinary-edit-sessions"
ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "sessionId", "KeyType": "HASH"}, {"AttributeName": "createdAt", "KeyType": "RANGE"}],
                 AttributeDefinitions=[{"AttributeName": "sessionId", "AttributeType": "S"}, {"AttributeName": "createdAt", "AttributeType": "N"}],
                 BillingMode="PAY_PER_REQUEST")

fs = efs.create_file_system(CreationToken="webordinary-workspaces", PerformanceMode="generalPurpose")["FileSystemId"]
mounts = [efs.create_mount_target(FileSystemId=fs, SubnetId=s, SecurityGroups=[group])["MountTargetId"] for s in subnets]

print(json.dumps({
    "region": region, "cluster": cluster, "service": service, "services": [service] + extra,
    "targetGroupArn": tg["TargetGroupArn"], "targetGroupName": tg["TargetGroupName"], "loadBalancerArn": lb["LoadBalancerArn"],
    "table": table, "fileSystemId": fs, "mountTargets": mounts, "subnets": subnets,
    "vpcId": vpc, "albSecurityGroup": alb_group, "serviceSecurityGroup": group,
}))
