"""Creates the dashboard's CloudFormation stack in a moto server seeded by seed.py, as a team would deploy it.

Usage: python3 create_stack.py ENDPOINT_URL TEMPLATE_PATH SEED_JSON   (SEED_JSON: what seed.py printed)
The team's resources the stack plugs into come from the seed (VPC and its subnets, cluster, ALB and its group); what the seed
lacks is made here first, as the team already has it: the ALB's HTTPS listener (with its certificate) and the OIDC client secret. Prints one
JSON object: the stack's status and reason, its resources (logical id, type, physical id, status), its outputs, and
the parameters it was given. A resource of a type moto does not model is listed without logical id or type.
"""
import json
import sys
import time

import boto3

endpoint, template_path, seed = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=seed["region"])


def client(name):
    return session.client(name, endpoint_url=endpoint)


elb, secrets, cloudformation, acm = client("elbv2"), client("secretsmanager"), client("cloudformation"), client("acm")

certificate = acm.request_certificate(DomainName="*.webordinary.test", ValidationMethod="DNS")["CertificateArn"]
listener = elb.create_listener(
    LoadBalancerArn=seed["loadBalancerArn"], Protocol="HTTPS", Port=443,
    Certificates=[{"CertificateArn": certificate}],
    DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
)["Listeners"][0]["ListenerArn"]
client_secret = secrets.create_secret(Name="webordinary/dashboard/oidc-client-secret", SecretString="oidc-client-secret")["ARN"]

subnets = [subnet["SubnetId"] for subnet in client("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [seed["vpcId"]]}])["Subnets"]]
parameters = {
    "VpcId": seed["vpcId"],
    "SubnetIds": ",".join(sorted(subnets)),
    "ClusterName": seed["cluster"],
    "ListenerArn": listener,
    "LoadBalancerArn": seed["loadBalancerArn"],
    "LoadBalancerSecurityGroupId": seed["albSecurityGroup"],
    "HostName": "dashboard.webordinary.test",
    "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/webordinary-dashboard:test",
    "OidcIssuer": "https://login.webordinary.test",
    "OidcAuthorizationEndpoint": "https://login.webordinary.test/authorize",
    "OidcTokenEndpoint": "https://login.webordinary.test/token",
    "OidcUserInfoEndpoint": "https://login.webordinary.test/userinfo",
    "OidcClientId": "webordinary-dashboard",
    "OidcClientSecretArn": client_secret,
    "AlarmEmail": "oncall@webordinary.test",
    "FileSystemId": seed["fileSystemId"],
}
with open(template_path, encoding="utf-8") as template:
    body = json.load(template)

# moto 5.2.1 refuses the one attribute it does not model: "Template error: resource DBInstance does not support
# attribute type MasterUserSecret.SecretArn in Fn::GetAtt" (it ignores ManageMasterUserPassword in templates). That
# GetAtt, and only it, is replaced with a secret made here as RDS would make it; every other line goes in as synthesized.
database_secret = secrets.create_secret(Name="rds!db-webordinary-dashboard", SecretString=json.dumps({"username": "dashboard", "password": "moto"}))["ARN"]
substituted = []


def substitute(node):
    if isinstance(node, dict):
        get_att = node.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att[1:] == ["MasterUserSecret.SecretArn"]:
            substituted.append(".".join(get_att))
            return database_secret
        return {key: substitute(value) for key, value in node.items()}
    if isinstance(node, list):
        return [substitute(value) for value in node]
    return node


body = substitute(body)
# moto 5.2.1 passes a Ref'd parameter group to RDS as an object and fails ("AttributeError: 'DBParameterGroup' object
# has no attribute 'startswith'", an HTTP 500): the instance goes in without the link (the group is still created).
for logical_id, resource in body["Resources"].items():
    if resource["Type"] == "AWS::RDS::DBInstance" and resource["Properties"].pop("DBParameterGroupName", None) is not None:
        substituted.append(f"{logical_id}.DBParameterGroupName")
    # moto 5.2.1 hands a Number parameter on as a string, and its ECS service computes with it ("TypeError: unsupported
    # operand type(s) for -: 'str' and 'int'"): the desired count goes in as the number the parameter has.
    if resource["Type"] == "AWS::ECS::Service" and resource["Properties"].get("DesiredCount") == {"Ref": "DesiredCount"}:
        resource["Properties"]["DesiredCount"] = int(body["Parameters"]["DesiredCount"]["Default"])
        substituted.append(f"{logical_id}.DesiredCount")
body_json = body
body = json.dumps(body)
cloudformation.create_stack(
    StackName="WebordinaryDashboard", TemplateBody=body, Capabilities=["CAPABILITY_IAM"],
    Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
)
# moto creates a stack synchronously; the loop is for a server that does not.
stack = cloudformation.describe_stacks(StackName="WebordinaryDashboard")["Stacks"][0]
for _ in range(60):
    if not stack["StackStatus"].endswith("_IN_PROGRESS"):
        break
    time.sleep(1)
    stack = cloudformation.describe_stacks(StackName="WebordinaryDashboard")["Stacks"][0]

resources = cloudformation.describe_stack_resources(StackName="WebordinaryDashboard")["StackResources"]
physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources if "LogicalResourceId" in r}


def resolve(value):
    """A template value with the stack's parameters and physical ids (Ref, and GetAtt of a group's id)."""
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
        return parameters[name].split(",") if name == "SubnetIds" else parameters.get(name, physical.get(name))
    if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "GroupId":
        return physical[value["Fn::GetAtt"][0]]
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value


# What moto's CloudFormation leaves out of what it does create, done through moto's own API exactly as the template
# declares it, so the deployment can be checked as AWS would have made it: the egress rules (it does not model
# AWS::EC2::SecurityGroupEgress) and the service's network configuration and load balancer (its ECS service from a
# template keeps neither).
ec2, ecs = client("ec2"), client("ecs")
completed = []
for logical_id, resource in body_json["Resources"].items():
    properties = resource.get("Properties", {})
    if resource["Type"] == "AWS::EC2::SecurityGroupEgress" and stack["StackStatus"] == "CREATE_COMPLETE":
        ec2.authorize_security_group_egress(GroupId=resolve(properties["GroupId"]), IpPermissions=[{
            "IpProtocol": properties["IpProtocol"], "FromPort": properties["FromPort"], "ToPort": properties["ToPort"],
            "UserIdGroupPairs": [{"GroupId": resolve(properties["DestinationSecurityGroupId"])}]}])
        completed.append(logical_id)
    if resource["Type"] == "AWS::ECS::Service" and stack["StackStatus"] == "CREATE_COMPLETE":
        network = properties["NetworkConfiguration"]["AwsvpcConfiguration"]
        ecs.update_service(
            cluster=resolve(properties["Cluster"]), service=properties["ServiceName"],
            networkConfiguration={"awsvpcConfiguration": {"subnets": resolve(network["Subnets"]),
                                                          "securityGroups": resolve(network["SecurityGroups"]),
                                                          "assignPublicIp": network["AssignPublicIp"]}},
            loadBalancers=[{"targetGroupArn": resolve(b["TargetGroupArn"]), "containerName": b["ContainerName"],
                            "containerPort": b["ContainerPort"]} for b in properties["LoadBalancers"]])
        completed.append(logical_id)
# The container as ECS holds it: the dashboard under test is configured from it.
container = {}
if stack["StackStatus"] == "CREATE_COMPLETE":
    definition = ecs.describe_task_definition(taskDefinition=physical["TaskDefinition"])["taskDefinition"]
    container = definition["containerDefinitions"][0]

print(json.dumps({
    "status": stack["StackStatus"],
    "reason": stack.get("StackStatusReason"),
    "resources": [{"logicalId": r.get("LogicalResourceId"), "type": r.get("ResourceType"), "physicalId": r.get("PhysicalResourceId"),
                   "status": r["ResourceStatus"]} for r in resources],
    "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
    "parameters": parameters,
    "substituted": sorted(set(substituted)),
    "completed": completed,
    "environment": {e["name"]: e["value"] for e in container.get("environment", [])},
    "secrets": {e["name"]: e["valueFrom"] for e in container.get("secrets", [])},
    "readonlyRootFilesystem": container.get("readonlyRootFilesystem"),
}))
