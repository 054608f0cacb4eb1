using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Defender;

namespace AsiOpsPortal.Core.Tests.Defender;

public class AdmissionReviewsTests
{
    private static string Review(string operation, string resource, string? subResource = null, JsonObject? oldObject = null, JsonObject? obj = null,
        bool dryRun = false, string ns = "web") => new JsonObject
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = "u-1",
            ["operation"] = operation,
            ["resource"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["resource"] = resource },
            ["subResource"] = subResource,
            ["namespace"] = ns,
            ["name"] = "web-0",
            ["userInfo"] = new JsonObject { ["username"] = "alice", ["extra"] = new JsonObject { ["user-agent"] = new JsonArray("kubectl/v1.32.0") } },
            ["oldObject"] = oldObject,
            ["object"] = obj,
            ["dryRun"] = dryRun,
        },
    }.ToJsonString();

    private static JsonObject Replicas(long? replicas) =>
        new() { ["spec"] = replicas is null ? new JsonObject() : new JsonObject { ["replicas"] = replicas } };

    private static AdmissionReview Read(string json)
    {
        var (review, problem) = AdmissionReviews.Read(json);
        Assert.Null(problem);
        return review!;
    }

    [Fact]
    public void Read_MapsDeleteToDeleteOfTheResource_WithWhoAsked()
    {
        var review = Read(Review("DELETE", "configmaps"));

        Assert.Equal(new AdmissionReview("u-1", "alice", "kubectl/v1.32.0", false, new(DefenderVerbs.Delete, "configmaps", "web", "web-0")), review);
    }

    [Fact]
    public void Read_MapsCreateOfPodsEvictionToEviction_AndOtherCreatesToNothing()
    {
        Assert.Equal(new DestructiveOperation(DefenderVerbs.Eviction, "pods", "web", "web-0"), Read(Review("CREATE", "pods", "eviction")).Operation);
        Assert.Null(Read(Review("CREATE", "pods")).Operation);
        Assert.Null(Read(Review("UPDATE", "pods", "status")).Operation);
    }

    [Theory]
    [InlineData("deployments", null, 3L, 0L, true)]
    [InlineData("statefulsets", null, 1L, 0L, true)]
    [InlineData("deployments", "scale", 2L, null, true)]    // a Scale omits zero replicas
    [InlineData("replicasets", null, null, 0L, true)]       // a workload without replicas runs one
    [InlineData("deployments", null, 0L, 0L, false)]        // already at zero
    [InlineData("deployments", null, 3L, 1L, false)]
    [InlineData("daemonsets", null, 3L, 0L, false)]
    [InlineData("deployments", "status", 3L, 0L, false)]
    public void Read_MapsUpdatesToScaleToZero_OnlyWhenReplicasGoFromSomeToNone(string resource, string? subResource, long? before, long? after, bool expected)
    {
        var operation = Read(Review("UPDATE", resource, subResource, Replicas(before), Replicas(after))).Operation;

        Assert.Equal(expected ? new DestructiveOperation(DefenderVerbs.ScaleToZero, resource, "web", "web-0") : null, operation);
    }

    [Fact]
    public void Read_TakesDryRunAndAClusterScopedObjectsMissingNamespace()
    {
        var review = Read(Review("DELETE", "nodes", dryRun: true, ns: ""));

        Assert.True(review.DryRun);
        Assert.Null(review.Operation!.Namespace);
    }

    [Theory]
    [InlineData("{", "body: not JSON")]
    [InlineData("[]", "body: must be an AdmissionReview object.")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}""", "apiVersion, kind: must be admission.k8s.io/v1, AdmissionReview.")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""", "request: required, an object.")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}""", "request.uid: required.")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"DELETE","resource":[]}}""", "request.resource.resource: required.")]
    public void Read_NamesTheField_WhenTheReviewIsMalformed(string json, string expected)
    {
        var (review, problem) = AdmissionReviews.Read(json);

        Assert.Null(review);
        Assert.StartsWith(expected, problem);
    }

    [Fact]
    public void Answer_Refuses403WithTheMessage_And429WithSecondsToRetry()
    {
        var forbidden = AdmissionReviews.Answer("u-1", AdmissionVerdict.Refuse("prod-pods", "1m", "no token", TimeSpan.FromSeconds(30), [], []));
        var tooMany = AdmissionReviews.Answer("u-2", new AdmissionVerdict(false, 429, null, "1s", "Too many requests", TimeSpan.FromMilliseconds(200), [], [], false));

        Assert.Equal("""{"uid":"u-1","allowed":false,"status":{"code":403,"reason":"Forbidden","message":"Refused: no token"}}""", forbidden["response"]!.ToJsonString());
        Assert.Equal("""{"code":429,"reason":"TooManyRequests","message":"Too many requests","details":{"retryAfterSeconds":1}}""", tooMany["response"]!["status"]!.ToJsonString());
        Assert.Equal("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"u-3","allowed":true}}""", AdmissionReviews.Allow("u-3").ToJsonString());
    }
}
