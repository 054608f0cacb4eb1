using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Store;

namespace AsiOpsPortal.FleetSim.Api;

/// <summary>A parsed labelSelector or fieldSelector query: a conjunction of requirements.</summary>
internal sealed class Selector
{
    private enum Op { Equals, NotEquals, In, NotIn, Exists, NotExists }

    private sealed record Requirement(string Key, Op Op, string[] Values);

    private readonly List<Requirement> requirements;
    private readonly bool isField;

    private Selector(List<Requirement> requirements, bool isField)
    {
        this.requirements = requirements;
        this.isField = isField;
    }

    public static Selector Everything { get; } = new([], false);

    public bool IsEmpty => requirements.Count == 0;

    public bool Matches(JsonObject obj)
    {
        if (requirements.Count == 0) return true;
        var labels = isField ? null : obj.Labels();
        foreach (var r in requirements)
        {
            string? value;
            if (labels is not null) value = labels.GetValueOrDefault(r.Key);
            else value = FieldValue(obj, r.Key);
            var ok = r.Op switch
            {
                Op.Equals => value is not null && value == r.Values[0],
                Op.NotEquals => value is null || value != r.Values[0],
                Op.In => value is not null && r.Values.Contains(value),
                Op.NotIn => value is null || !r.Values.Contains(value),
                Op.Exists => value is not null,
                Op.NotExists => value is null,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>Field selectors address any scalar by its dotted path; a missing field compares as "" (so spec.nodeName= matches unscheduled pods).</summary>
    private static string FieldValue(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split('.')) node = node.At(part);
        return node switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => node.ToJsonString(),
        };
    }

    public static Selector ParseFields(string? text)
    {
        var reqs = new List<Requirement>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var neq = part.IndexOf("!=", StringComparison.Ordinal);
            if (neq > 0)
            {
                reqs.Add(new(part[..neq], Op.NotEquals, [part[(neq + 2)..]]));
                continue;
            }
            var eq = part.IndexOf('=');
            if (eq <= 0) throw ApiException.BadRequest($"invalid field selector: '{part}'");
            var value = part[(eq + 1)..].TrimStart('=');
            reqs.Add(new(part[..eq], Op.Equals, [value]));
        }
        return new Selector(reqs, isField: true);
    }

    /// <summary>Parses the label selector grammar: k=v, k==v, k!=v, k in (a,b), k notin (a,b), k, !k.</summary>
    public static Selector ParseLabels(string? text)
    {
        var reqs = new List<Requirement>();
        var s = text ?? "";
        var i = 0;
        while (i < s.Length)
        {
            SkipSpace(s, ref i);
            if (i >= s.Length) break;
            var negated = s[i] == '!';
            if (negated) i++;
            var key = ReadToken(s, ref i);
            if (key.Length == 0) throw ApiException.BadRequest($"unable to parse requirement: '{s}'");
            SkipSpace(s, ref i);
            if (negated)
            {
                reqs.Add(new(key, Op.NotExists, []));
            }
            else if (i >= s.Length || s[i] == ',')
            {
                reqs.Add(new(key, Op.Exists, []));
            }
            else if (s[i] == '=' || s[i] == '!')
            {
                var op = s[i] == '!' ? Op.NotEquals : Op.Equals;
                i += s[i] == '!' ? 2 : (i + 1 < s.Length && s[i + 1] == '=' ? 2 : 1);
                SkipSpace(s, ref i);
                reqs.Add(new(key, op, [ReadToken(s, ref i)]));
            }
            else
            {
                var word = ReadToken(s, ref i);
                var op = word switch
                {
                    "in" => Op.In,
                    "notin" => Op.NotIn,
                    _ => throw ApiException.BadRequest($"unable to parse requirement: found '{word}'"),
                };
                SkipSpace(s, ref i);
                if (i >= s.Length || s[i] != '(') throw ApiException.BadRequest("unable to parse requirement: expected '('");
                var close = s.IndexOf(')', i);
                if (close < 0) throw ApiException.BadRequest("unable to parse requirement: expected ')'");
                var values = s[(i + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                reqs.Add(new(key, op, values));
                i = close + 1;
            }
            SkipSpace(s, ref i);
            if (i < s.Length && s[i] == ',') i++;
        }
        return new Selector(reqs, isField: false);
    }

    /// <summary>A metav1.LabelSelector object (matchLabels + matchExpressions), as in Deployments and PDBs.</summary>
    public static Selector FromLabelSelector(JsonNode? selector)
    {
        var reqs = new List<Requirement>();
        foreach (var (k, v) in Json.StringMap(selector.At("matchLabels"))) reqs.Add(new(k, Op.Equals, [v]));
        if (selector.At("matchExpressions") is JsonArray exprs)
        {
            foreach (var e in exprs)
            {
                var values = (e.At("values") as JsonArray)?.Select(v => v?.GetValue<string>() ?? "").ToArray() ?? [];
                var op = e.Str("operator") switch
                {
                    "In" => Op.In,
                    "NotIn" => Op.NotIn,
                    "Exists" => Op.Exists,
                    _ => Op.NotExists,
                };
                reqs.Add(new(e.Str("key") ?? "", op, values));
            }
        }
        return new Selector(reqs, isField: false);
    }

    /// <summary>A plain map, as a DaemonSet's spec.template.spec.nodeSelector.</summary>
    public static Selector FromMap(JsonNode? map) =>
        new(Json.StringMap(map).Select(kv => new Requirement(kv.Key, Op.Equals, [kv.Value])).ToList(), isField: false);

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
    }

    private static string ReadToken(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not (',' or '=' or '!' or '(' or ')')) i++;
        return s[start..i];
    }
}
