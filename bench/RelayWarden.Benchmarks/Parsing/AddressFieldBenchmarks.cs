using System.Text;
using BenchmarkDotNet.Attributes;
using MimeKit;
using RelayWarden.Mail.Headers;

namespace RelayWarden.Benchmarks.Parsing;

/// <summary>Where the bytes of one identity field go: the whole strict + lenient read, and MimeKit's lenient parse alone.</summary>
[MemoryDiagnoser]
public class AddressFieldBenchmarks
{
    private readonly byte[] _from = Encoding.UTF8.GetBytes(" \"Alice Martin\" <alice@t50000-d3.example>");
    private readonly ParserOptions _loose = CreateLoose();
    private readonly byte[] _message = Policy.EvaluationBenchmarks.TypicalMessage("\"Alice Martin\" <alice@t50000-d3.example>", null);

    private static ParserOptions CreateLoose()
    {
        var options = ParserOptions.Default.Clone();
        options.AddressParserComplianceMode = RfcComplianceMode.Looser;
        return options;
    }

    [Benchmark(Baseline = true)]
    public AddressField StrictAndLenient() => AddressFieldReader.Read(IdentityHeader.From, _from, 0, _from.Length);

    [Benchmark]
    public InternetAddressList? MimeKitAlone() => InternetAddressList.TryParse(_loose, _from, 0, _from.Length, out var list) ? list : null;

    [Benchmark]
    public HeaderBlock HeaderBlockOnly() => HeaderBlock.Read(_message, HeaderLimits.Default);
}
