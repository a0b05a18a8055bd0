#pragma once
// How to reach and authenticate to a Kubernetes API server: from inside a pod (service-account
// token, CA and namespace files, KUBERNETES_SERVICE_HOST/PORT) or from a kubeconfig file
// (KUBECONFIG, else ~/.kube/config; the current context, or a named one).
//
// TLS is always verified: a kubeconfig that asks for insecure-skip-tls-verify is rejected, and
// so are plain http:// servers. Supported credentials: bearer token (inline or tokenFile) and
// client certificate + key (inline *-data or files; relative paths are resolved against the
// kubeconfig's directory). exec and auth-provider plugins are not supported (kInvalidArgument
// naming the user entry).
//
// Errors are kInvalidArgument (malformed or unsupported configuration, naming the file and the
// entry) or kNotFound (no in-cluster environment / no kubeconfig file). Nothing here logs a
// token or a key.

#include <map>
#include <string>

#include "core/error.h"
#include "http/http_client.h"

namespace retrain {

struct KubeConfig {
  std::string server;      // "https://host:port", no trailing slash
  std::string namespace_;  // the context's (or pod's) namespace; "" when unspecified
  TlsOptions tls;          // CA and client certificate, verify always true
  std::string token;       // bearer token read at load time ("" = none)
  std::string token_file;  // when set, the token is re-read from here (rotated SA tokens)
  std::string source;      // "in-cluster" or the kubeconfig path, for messages
  std::string user;        // the kubeconfig user entry name ("" in-cluster), for messages
};

// Where in-cluster files live; tests point these at temporary files.
struct InClusterPaths {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// In-cluster configuration. kNotFound when KUBERNETES_SERVICE_HOST/PORT are not in `env` or
// the token file is missing; kInvalidArgument when the CA file cannot be read.
[[nodiscard]] Result<KubeConfig> LoadInClusterConfig(const std::map<std::string, std::string>& env,
                                                     const InClusterPaths& paths = {});

// Parses kubeconfig text. `base_dir` resolves relative file paths; `context` selects a context
// ("" = current-context). `origin` names the text in error messages.
[[nodiscard]] Result<KubeConfig> ParseKubeconfig(const std::string& yaml_text,
                                                 const std::string& base_dir,
                                                 const std::string& context,
                                                 const std::string& origin);

// Reads a kubeconfig: `path` when given, else the files listed in env KUBECONFIG (':'
// separated; the first that holds the selected context wins), else $HOME/.kube/config.
[[nodiscard]] Result<KubeConfig> LoadKubeconfig(const std::string& path,
                                                const std::map<std::string, std::string>& env,
                                                const std::string& context = "");

// The rule most clients follow: an explicit kubeconfig path wins; otherwise in-cluster when
// KUBERNETES_SERVICE_HOST is set; otherwise KUBECONFIG / ~/.kube/config.
[[nodiscard]] Result<KubeConfig> LoadKubeConfigAuto(const std::string& kubeconfig_path,
                                                    const std::map<std::string, std::string>& env);

// Reads a whole file. kNotFound when it does not exist, kPermissionDenied / kUnavailable
// otherwise.
[[nodiscard]] Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace retrain
