using Webordinary.Dashboard.Platform;

namespace Webordinary.Dashboard.Sandbox;

internal sealed class SandboxTaskReplacer(SandboxPlatform platform) : ISessionTaskReplacer
{
    public Task<bool> ReplaceAsync(string task, CancellationToken cancellationToken) => Task.FromResult(platform.ReplaceTask(task));
}
