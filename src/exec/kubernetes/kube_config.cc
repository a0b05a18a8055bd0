#include "exec/kubernetes/kube_config.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "core/strings.h"

namespace retrain {

namespace {

std::optional<std::string> DecodeBase64(std::string_view in) {
  std::string clean;
  for (char c : in)
    if (!std::isspace(static_cast<unsigned char>(c))) clean.push_back(c);
  if (clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

// A named entry (cluster, context or user) of one kubeconfig document.
YAML::Node FindNamed(const YAML::Node& doc, const char* list, const std::string& name) {
  const YAML::Node& const_doc = doc;  // const access never inserts keys
  YAML::Node items = const_doc[list];
  if (!items || !items.IsSequence()) return YAML::Node();
  for (const auto& item : items) {
    if (item.IsMap() && item["name"] && item["name"].as<std::string>() == name) return item;
  }
  return YAML::Node();
}

std::string Str(const YAML::Node& node, const char* key) {
  YAML::Node v = node[key];
  if (!v || v.IsNull()) return "";
  return v.as<std::string>();
}

struct Doc {
  YAML::Node root;
  std::string base_dir;
  std::string origin;
};

Result<KubeConfig> Assemble(const std::vector<Doc>& docs, const std::string& wanted_context) {
  const std::string& origin = docs.front().origin;
  std::string context_name = wanted_context;
  if (context_name.empty()) {
    for (const auto& d : docs) {
      context_name = Str(d.root, "current-context");
      if (!context_name.empty()) break;
    }
  }
  if (context_name.empty())
    return Fail(ErrorCode::kInvalidArgument, "kubeconfig " + origin + " has no current-context");

  auto find = [&](const char* list, const std::string& name) -> std::pair<YAML::Node, const Doc*> {
    for (const auto& d : docs) {
      YAML::Node n = FindNamed(d.root, list, name);
      if (n.IsMap()) return {n, &d};
    }
    return {YAML::Node(), nullptr};
  };

  auto [ctx_entry, ctx_doc] = find("contexts", context_name);
  if (!ctx_doc || !ctx_entry["context"].IsMap())
    return Fail(ErrorCode::kInvalidArgument,
                "kubeconfig " + origin + " has no context named \"" + context_name + "\"");
  YAML::Node ctx = ctx_entry["context"];
  std::string cluster_name = Str(ctx, "cluster");
  std::string user_name = Str(ctx, "user");

  auto [cluster_entry, cluster_doc] = find("clusters", cluster_name);
  if (!cluster_doc || !cluster_entry["cluster"].IsMap())
    return Fail(ErrorCode::kInvalidArgument, "kubeconfig " + origin + " has no cluster named \"" +
                                                 cluster_name + "\" (context \"" + context_name +
                                                 "\")");
  YAML::Node cluster = cluster_entry["cluster"];

  KubeConfig out;
  out.source = cluster_doc->origin;
  out.user = user_name;
  out.namespace_ = Str(ctx, "namespace");
  out.server = Str(cluster, "server");
  while (!out.server.empty() && out.server.back() == '/') out.server.pop_back();
  if (!out.server.starts_with("https://"))
    return Fail(ErrorCode::kInvalidArgument, "kubeconfig " + origin + " cluster \"" + cluster_name +
                                                 "\" has server \"" + out.server +
                                                 "\"; an https:// URL is required");
  if (cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>())
    return Fail(ErrorCode::kInvalidArgument,
                "kubeconfig " + origin + " cluster \"" + cluster_name +
                    "\" sets insecure-skip-tls-verify; retrain always verifies the API server "
                    "certificate, so give certificate-authority or certificate-authority-data");
  out.tls.verify = true;
  if (std::string data = Str(cluster, "certificate-authority-data"); !data.empty()) {
    auto pem = DecodeBase64(data);
    if (!pem)
      return Fail(ErrorCode::kInvalidArgument, "kubeconfig " + origin + " cluster \"" +
                                                   cluster_name +
                                                   "\" certificate-authority-data is not base64");
    out.tls.ca_pem = *pem;
  } else if (std::string file = Str(cluster, "certificate-authority"); !file.empty()) {
    out.tls.ca_file = Resolve(cluster_doc->base_dir, file);
  }

  if (user_name.empty()) return out;
  auto [user_entry, user_doc] = find("users", user_name);
  if (!user_doc)
    return Fail(ErrorCode::kInvalidArgument,
                "kubeconfig " + origin + " has no user named \"" + user_name + "\"");
  YAML::Node user = user_entry["user"];
  if (!user || user.IsNull()) return out;
  if (user["exec"] || user["auth-provider"])
    return Fail(ErrorCode::kInvalidArgument,
                "kubeconfig " + origin + " user \"" + user_name +
                    "\" uses an exec or auth-provider plugin, which retrain does not run; use a "
                    "token, tokenFile or client certificate");
  auto pem_or_file = [&](const char* data_key, const char* file_key, std::string& pem,
                         std::string& file) -> Status {
    if (std::string data = Str(user, data_key); !data.empty()) {
      auto decoded = DecodeBase64(data);
      if (!decoded)
        return Fail(ErrorCode::kInvalidArgument, "kubeconfig " + origin + " user \"" + user_name +
                                                     "\" " + data_key + " is not base64");
      pem = *decoded;
    } else if (std::string f = Str(user, file_key); !f.empty()) {
      file = Resolve(user_doc->base_dir, f);
    }
    return {};
  };
  if (auto s = pem_or_file("client-certificate-data", "client-certificate", out.tls.client_cert_pem,
                           out.tls.client_cert_file);
      !s)
    return std::unexpected(s.error());
  if (auto s = pem_or_file("client-key-data", "client-key", out.tls.client_key_pem,
                           out.tls.client_key_file);
      !s)
    return std::unexpected(s.error());
  bool has_cert = !out.tls.client_cert_pem.empty() || !out.tls.client_cert_file.empty();
  bool has_key = !out.tls.client_key_pem.empty() || !out.tls.client_key_file.empty();
  if (has_cert != has_key)
    return Fail(ErrorCode::kInvalidArgument, "kubeconfig " + origin + " user \"" + user_name +
                                                 "\" has a client certificate without a key or "
                                                 "a key without a certificate");
  out.token = Str(user, "token");
  if (out.token.empty()) {
    if (std::string f = Str(user, "tokenFile"); !f.empty()) {
      out.token_file = Resolve(user_doc->base_dir, f);
      auto tok = ReadWholeFile(out.token_file);
      if (!tok)
        return Fail(ErrorCode::kInvalidArgument, "kubeconfig " + origin + " user \"" + user_name +
                                                     "\" tokenFile: " + tok.error().message);
      out.token = Trim(*tok);
    }
  }
  return out;
}

Result<Doc> ParseDoc(const std::string& text, const std::string& base_dir,
                     const std::string& origin) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap())
      return Fail(ErrorCode::kInvalidArgument, "kubeconfig " + origin + " is not a YAML mapping");
    return Doc{root, base_dir, origin};
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument,
                "kubeconfig " + origin + " is not valid YAML: " + e.what());
  }
}

}  // namespace

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    if (err == ENOENT) return Fail(ErrorCode::kNotFound, "file " + path + " does not exist");
    if (err == EACCES)
      return Fail(ErrorCode::kPermissionDenied, "file " + path + " is not readable");
    return Fail(ErrorCode::kUnavailable, "could not read file " + path + ": " + std::strerror(err));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<KubeConfig> LoadInClusterConfig(const std::map<std::string, std::string>& env,
                                       const InClusterPaths& paths) {
  auto host = env.find("KUBERNETES_SERVICE_HOST");
  auto port = env.find("KUBERNETES_SERVICE_PORT");
  if (host == env.end() || host->second.empty() || port == env.end() || port->second.empty())
    return Fail(ErrorCode::kNotFound,
                "not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST/PORT are not set)");
  auto token = ReadWholeFile(paths.token);
  if (!token)
    return Fail(ErrorCode::kNotFound,
                "the service-account token is missing in this pod: " + token.error().message);
  auto ca = ReadWholeFile(paths.ca);
  if (!ca)
    return Fail(ErrorCode::kInvalidArgument,
                "the service-account CA certificate cannot be read: " + ca.error().message);
  KubeConfig out;
  std::string h = host->second;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6 literal
  out.server = "https://" + h + ":" + port->second;
  out.tls.verify = true;
  out.tls.ca_pem = *ca;
  out.token = Trim(*token);
  out.token_file = paths.token;
  out.source = "in-cluster";
  if (auto ns = ReadWholeFile(paths.namespace_file)) out.namespace_ = Trim(*ns);
  return out;
}

Result<KubeConfig> ParseKubeconfig(const std::string& yaml_text, const std::string& base_dir,
                                   const std::string& context, const std::string& origin) {
  auto doc = ParseDoc(yaml_text, base_dir, origin);
  if (!doc) return std::unexpected(doc.error());
  try {
    return Assemble({*doc}, context);
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument,
                "kubeconfig " + origin + " has an entry of the wrong type: " + e.what());
  }
}

Result<KubeConfig> LoadKubeconfig(const std::string& path,
                                  const std::map<std::string, std::string>& env,
                                  const std::string& context) {
  std::vector<std::string> files;
  if (!path.empty()) {
    files.push_back(path);
  } else if (auto it = env.find("KUBECONFIG"); it != env.end() && !it->second.empty()) {
    std::stringstream ss(it->second);
    for (std::string part; std::getline(ss, part, ':');)
      if (!part.empty()) files.push_back(part);
  } else if (auto home = env.find("HOME"); home != env.end() && !home->second.empty()) {
    files.push_back(home->second + "/.kube/config");
  }
  if (files.empty())
    return Fail(ErrorCode::kNotFound, "no kubeconfig: KUBECONFIG and HOME are not set");
  std::vector<Doc> docs;
  for (const auto& f : files) {
    auto text = ReadWholeFile(f);
    if (!text) {
      // Missing files in a KUBECONFIG list are skipped, as kubectl does; an explicit path is not.
      if (text.error().code == ErrorCode::kNotFound && path.empty()) continue;
      return Fail(text.error().code == ErrorCode::kNotFound ? ErrorCode::kNotFound
                                                            : ErrorCode::kInvalidArgument,
                  "kubeconfig: " + text.error().message);
    }
    auto doc = ParseDoc(*text, std::filesystem::path(f).parent_path().string(), f);
    if (!doc) return std::unexpected(doc.error());
    docs.push_back(std::move(*doc));
  }
  if (docs.empty())
    return Fail(ErrorCode::kNotFound, "no kubeconfig file exists (" + files[0] + ")");
  try {
    return Assemble(docs, context);
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument,
                "kubeconfig " + docs[0].origin + " has an entry of the wrong type: " + e.what());
  }
}

Result<KubeConfig> LoadKubeConfigAuto(const std::string& kubeconfig_path,
                                      const std::map<std::string, std::string>& env) {
  if (!kubeconfig_path.empty()) return LoadKubeconfig(kubeconfig_path, env);
  if (auto it = env.find("KUBERNETES_SERVICE_HOST"); it != env.end() && !it->second.empty())
    return LoadInClusterConfig(env);
  return LoadKubeconfig("", env);
}

}  // namespace retrain
