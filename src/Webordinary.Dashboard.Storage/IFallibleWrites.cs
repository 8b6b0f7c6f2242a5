using System.Data.Common;

namespace Webordinary.Dashboard.Storage;

/// <summary>
/// A write that may fail (its caller reports it: a claim, a conditional update), on a connection of its own, in the
/// engine's write order: what both engines' databases offer, for the stores whose statements are the same on both.
/// </summary>
public interface IFallibleWrites
{
    Task<T> WriteAsync<T>(Func<DbConnection, Task<T>> write, CancellationToken cancellationToken);
}
