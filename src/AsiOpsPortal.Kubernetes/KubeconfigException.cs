namespace AsiOpsPortal.Kubernetes;

/// <summary>A kubeconfig we cannot use; the message says why in words a person can act on.</summary>
public sealed class KubeconfigException(string message, Exception? inner = null) : Exception(message, inner);
