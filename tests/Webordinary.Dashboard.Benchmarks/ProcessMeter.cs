using System.Diagnostics;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>A reading of this process (the dashboard host runs in it): CPU time so far and resident set size.</summary>
public readonly record struct ProcessReading(long Timestamp, TimeSpan Cpu, long Rss)
{
    public static ProcessReading Now()
    {
        using var process = Process.GetCurrentProcess();
        return new ProcessReading(Stopwatch.GetTimestamp(), process.TotalProcessorTime, process.WorkingSet64);
    }

    /// <summary>CPU used between two readings, in percent of one core (200 = both cores of this machine busy).</summary>
    public static double CpuPercent(ProcessReading from, ProcessReading to)
    {
        var wall = Stopwatch.GetElapsedTime(from.Timestamp, to.Timestamp);
        return wall <= TimeSpan.Zero ? double.NaN : (to.Cpu - from.Cpu) / wall * 100;
    }
}

/// <summary>
/// Machine-wide CPU from /proc/stat: how busy all cores were while a benchmark ran. The machine is shared, so the
/// figures of a benchmark are read next to what everything else was doing.
/// </summary>
public readonly record struct MachineReading(long Busy, long Total)
{
    public static MachineReading? Now()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        // "cpu  user nice system idle iowait irq softirq steal ..." in clock ticks.
        var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
        var idle = ticks[3] + ticks[4];
        return new MachineReading(ticks.Sum() - idle, ticks.Sum());
    }

    /// <summary>"machine 150% busy (of 200%), this process 90%": both in percent of one core.</summary>
    public static string Describe(MachineReading? from, MachineReading? to, ProcessReading processFrom, ProcessReading processTo)
    {
        if (from is not { } a || to is not { } b || b.Total <= a.Total)
        {
            return "machine load unknown";
        }

        var cores = Environment.ProcessorCount;
        var machine = (double)(b.Busy - a.Busy) / (b.Total - a.Total) * 100 * cores;
        return $"meanwhile all processes used {machine:0}% of {cores * 100}% CPU, this process {ProcessReading.CpuPercent(processFrom, processTo):0}%";
    }
}
