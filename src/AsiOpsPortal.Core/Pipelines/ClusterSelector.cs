using System.Globalization;
using System.Text.RegularExpressions;

namespace AsiOpsPortal.Core.Pipelines;

/// <summary>What planning needs to know of a cluster.</summary>
public sealed record ClusterFacts(Guid Id, string Name, string Environment, string Region, string Zone, int Tier, IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// Label-selector syntax as in Kubernetes (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>,
/// <c>!a</c>; a comma means AND) over a cluster's labels plus the built-in keys <c>name</c>, <c>environment</c>, <c>region</c>,
/// <c>zone</c> and <c>tier</c>, which always exist and win over labels of the same name.
/// </summary>
public sealed partial class ClusterSelector
{
    public static readonly IReadOnlyList<string> BuiltInKeys = ["name", "environment", "region", "zone", "tier"];

    private static readonly ClusterSelector Nothing = new("", []);

    private readonly IReadOnlyList<Requirement> _requirements;
    private readonly string _text;

    private ClusterSelector(string text, IReadOnlyList<Requirement> requirements)
    {
        _text = text;
        _requirements = requirements;
    }

    /// <summary>True for an empty selector, which selects nothing (unlike Kubernetes, where it selects everything).</summary>
    public bool IsEmpty => _requirements.Count == 0;

    /// <summary>Parses <paramref name="text"/>; empty or null text gives a selector that selects nothing.</summary>
    public static bool TryParse(string? text, out ClusterSelector selector, out string? error)
    {
        selector = Nothing;
        error = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        try
        {
            selector = new ClusterSelector(text, new SelectorParser(text).Parse());
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>Parses <paramref name="text"/> or throws a <see cref="FormatException"/> saying what is wrong and where.</summary>
    public static ClusterSelector Parse(string text) =>
        TryParse(text, out var selector, out var error) ? selector : throw new FormatException($"Selector '{text}': {error}");

    public bool Matches(ClusterFacts cluster) => _requirements.Count > 0 && _requirements.All(r => r.Matches(cluster));

    public override string ToString() => _text;

    /// <summary>The value of <paramref name="key"/> for <paramref name="cluster"/>: a built-in first, then a label; null when absent.</summary>
    private static string? ValueOf(ClusterFacts cluster, string key) => key switch
    {
        "name" => cluster.Name,
        "environment" => cluster.Environment,
        "region" => cluster.Region,
        "zone" => cluster.Zone,
        "tier" => cluster.Tier.ToString(CultureInfo.InvariantCulture),
        _ => cluster.Labels.TryGetValue(key, out var value) ? value : null,
    };

    private enum Operator { Equals, NotEquals, In, NotIn, Exists, DoesNotExist }

    private sealed record Requirement(string Key, Operator Operator, IReadOnlySet<string> Values)
    {
        public bool Matches(ClusterFacts cluster)
        {
            var value = ValueOf(cluster, Key);
            return Operator switch
            {
                Operator.Exists => value is not null,
                Operator.DoesNotExist => value is null,
                Operator.Equals or Operator.In => value is not null && Values.Contains(value),
                // As in Kubernetes: a cluster without the key is "not equal" and "not in".
                _ => value is null || !Values.Contains(value),
            };
        }
    }

    [GeneratedRegex(@"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\z")]
    private static partial Regex LabelKey();

    [GeneratedRegex(@"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?\z")]
    private static partial Regex LabelValue();

    /// <summary>A recursive-descent parser over Kubernetes' selector tokens; errors name the 1-based position.</summary>
    private sealed class SelectorParser(string text)
    {
        private enum Kind { Word, Comma, Open, Close, Equals, NotEquals, Bang, End }

        private readonly record struct Token(Kind Kind, string Text, int Position);

        private readonly List<Token> _tokens = Tokenize(text);
        private int _next;

        private Token Peek => _tokens[Math.Min(_next, _tokens.Count - 1)];

        public IReadOnlyList<Requirement> Parse()
        {
            var requirements = new List<Requirement>();
            while (true)
            {
                requirements.Add(ParseRequirement());
                var token = Take();
                if (token.Kind == Kind.End) return requirements;
                if (token.Kind != Kind.Comma) throw Error(token, $"expected ',' before '{token.Text}'");
                if (Peek.Kind == Kind.End) throw Error(Peek, "expected a requirement after ','");
            }
        }

        private Requirement ParseRequirement()
        {
            if (Peek.Kind == Kind.Bang)
            {
                Take();
                return new Requirement(ParseKey(), Operator.DoesNotExist, new HashSet<string>());
            }
            var key = ParseKey();
            var token = Peek;
            switch (token.Kind)
            {
                case Kind.End or Kind.Comma:
                    return new Requirement(key, Operator.Exists, new HashSet<string>());
                case Kind.Equals or Kind.NotEquals:
                    Take();
                    var op = token.Kind == Kind.Equals ? Operator.Equals : Operator.NotEquals;
                    // `key=` compares with the empty value, as Kubernetes allows.
                    var value = Peek.Kind == Kind.Word ? ParseValue(Take()) : "";
                    if (Peek.Kind is not (Kind.End or Kind.Comma)) throw Error(Peek, $"expected ',' or the end after '{key}{token.Text}{value}'");
                    return new Requirement(key, op, new HashSet<string> { value });
                case Kind.Word when token.Text is "in" or "notin":
                    Take();
                    return new Requirement(key, token.Text == "in" ? Operator.In : Operator.NotIn, ParseSet(key, token.Text));
                default:
                    throw Error(token, $"expected an operator (=, ==, !=, in, notin), ',' or the end after '{key}'");
            }
        }

        private string ParseKey()
        {
            var token = Take();
            if (token.Kind != Kind.Word) throw Error(token, token.Kind == Kind.End ? "expected a label key" : $"expected a label key, not '{token.Text}'");
            if (token.Text.Length > 253 || !LabelKey().IsMatch(token.Text))
                throw Error(token, $"'{token.Text}' is not a valid label key");
            return token.Text;
        }

        private static string ParseValue(Token token) =>
            LabelValue().IsMatch(token.Text) ? token.Text : throw Error(token, $"'{token.Text}' is not a valid label value");

        private HashSet<string> ParseSet(string key, string op)
        {
            var open = Take();
            if (open.Kind != Kind.Open) throw Error(open, $"expected '(' after '{key} {op}'");
            var values = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                var token = Take();
                if (token.Kind == Kind.Close && values.Count == 0) throw Error(token, $"'{key} {op} ()' needs at least one value");
                if (token.Kind != Kind.Word) throw Error(token, token.Kind == Kind.End ? "expected a value and ')'" : $"expected a value, not '{token.Text}'");
                values.Add(ParseValue(token));
                var after = Take();
                if (after.Kind == Kind.Close) return values;
                if (after.Kind != Kind.Comma) throw Error(after, after.Kind == Kind.End ? $"expected ')' to close the list after '{token.Text}'" : $"expected ',' or ')' after '{token.Text}'");
            }
        }

        private Token Take() => _tokens[Math.Min(_next++, _tokens.Count - 1)];

        private static FormatException Error(Token at, string message) => new($"{message} at position {at.Position}.");

        private static List<Token> Tokenize(string text)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (i < text.Length)
            {
                var c = text[i];
                var position = i + 1;
                if (char.IsWhiteSpace(c)) { i++; continue; }
                var (kind, length) = c switch
                {
                    ',' => (Kind.Comma, 1),
                    '(' => (Kind.Open, 1),
                    ')' => (Kind.Close, 1),
                    '=' => (Kind.Equals, i + 1 < text.Length && text[i + 1] == '=' ? 2 : 1),
                    '!' => i + 1 < text.Length && text[i + 1] == '=' ? (Kind.NotEquals, 2) : (Kind.Bang, 1),
                    _ => (Kind.Word, 0),
                };
                if (kind == Kind.Word)
                {
                    var end = i;
                    while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] is not (',' or '(' or ')' or '=' or '!')) end++;
                    length = end - i;
                }
                tokens.Add(new Token(kind, text.Substring(i, length), position));
                i += length;
            }
            tokens.Add(new Token(Kind.End, "", text.Length + 1));
            return tokens;
        }
    }
}
