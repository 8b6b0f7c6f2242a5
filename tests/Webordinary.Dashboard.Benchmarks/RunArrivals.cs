namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// Arrival timestamps of one run's RunCompleted at each of N clients, recorded from the clients' threads: the push
/// benchmark's protocol-level clients in the benchmark's process and the .NET clients in <see cref="HubClientsProcess"/>.
/// </summary>
public sealed class RunArrivals(int clients)
{
    private readonly long[] _arrivals = new long[clients];
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _slots;
    private int _arrived;
    private int _foreign;
    private string? _runId;

    public Task AllArrived => _all.Task;

    public int Arrived => Volatile.Read(ref _arrived);

    /// <summary>Arrivals of another run than the first one recorded (the benchmark runs one at a time: a bug if not 0).</summary>
    public int ForeignRuns => Volatile.Read(ref _foreign);

    public string? RunId => Volatile.Read(ref _runId);

    /// <summary>Complete once <see cref="AllArrived"/> has finished.</summary>
    public IEnumerable<long> Arrivals => _arrivals;

    /// <summary>Records one client's arrival; true for the one that completes the run.</summary>
    public bool Record(string runId, long at)
    {
        if (Interlocked.CompareExchange(ref _runId, runId, null) is { } first && first != runId)
        {
            Interlocked.Increment(ref _foreign);
            return false;
        }

        // A slot first, the timestamp into it, then the count: the count never covers an unwritten slot.
        var index = Interlocked.Increment(ref _slots) - 1;
        if (index >= _arrivals.Length)
        {
            return false;
        }

        _arrivals[index] = at;
        if (Interlocked.Increment(ref _arrived) != _arrivals.Length)
        {
            return false;
        }

        _all.TrySetResult();
        return true;
    }
}
