#include "http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "core/strings.h"

namespace retrain {

namespace {

std::once_flag g_curl_init;

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// One easy handle per thread keeps connections alive between calls on that thread.
CURL* ThreadHandle() {
  thread_local std::unique_ptr<CURL, CurlDeleter> handle;
  if (!handle) handle.reset(curl_easy_init());
  curl_easy_reset(handle.get());
  return handle.get();
}

struct Sink {
  std::string* body = nullptr;
  const std::function<bool(std::string_view)>* on_data = nullptr;
  const std::function<bool()>* keep_going = nullptr;
  bool stopped = false;
};

int Progress(void* userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* sink = static_cast<Sink*>(userdata);
  if (sink->keep_going && *sink->keep_going && !(*sink->keep_going)()) {
    sink->stopped = true;
    return 1;  // aborts the transfer
  }
  return 0;
}

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  size_t n = size * nmemb;
  if (sink->on_data) {
    if (!(*sink->on_data)(std::string_view(ptr, n))) {
      sink->stopped = true;
      return 0;  // aborts the transfer
    }
    return n;
  }
  sink->body->append(ptr, n);
  return n;
}

size_t WriteHeader(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* resp = static_cast<HttpResponse*>(userdata);
  size_t n = size * nmemb;
  std::string_view line(ptr, n);
  if (line.starts_with("HTTP/")) {
    resp->headers.clear();  // a new response (after a 100 Continue or a redirect)
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name = AsciiLower(line.substr(0, colon));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  resp->headers.emplace_back(std::move(name), std::string(value));
  return n;
}

void SetBlob(CURL* c, CURLoption opt, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(c, opt, &blob);
}

Result<HttpResponse> Perform(const TlsOptions& tls, const HttpRequest& req, Sink& sink,
                             HttpResponse& resp) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* c = ThreadHandle();
  if (!c) return Fail(ErrorCode::kInternal, "could not create an HTTP client handle");

  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp);
  if (req.keep_going) {
    sink.keep_going = &req.keep_going;
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, Progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &sink);
  }
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
  if (!tls.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.ca_pem.empty()) SetBlob(c, CURLOPT_CAINFO_BLOB, tls.ca_pem);
  if (!tls.client_cert_file.empty())
    curl_easy_setopt(c, CURLOPT_SSLCERT, tls.client_cert_file.c_str());
  if (!tls.client_key_file.empty())
    curl_easy_setopt(c, CURLOPT_SSLKEY, tls.client_key_file.c_str());
  if (!tls.client_cert_pem.empty()) SetBlob(c, CURLOPT_SSLCERT_BLOB, tls.client_cert_pem);
  if (!tls.client_key_pem.empty()) SetBlob(c, CURLOPT_SSLKEY_BLOB, tls.client_key_pem);

  if (req.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  curl_slist* list = nullptr;
  for (const auto& [k, v] : req.headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  headers.reset(list);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);

  CURLcode rc = curl_easy_perform(c);
  if ((rc == CURLE_WRITE_ERROR || rc == CURLE_ABORTED_BY_CALLBACK) && sink.stopped) rc = CURLE_OK;
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Fail(ErrorCode::kDeadlineExceeded, "request to " + req.url + " timed out after " +
                                                  std::to_string(req.timeout_ms) + " ms");
  }
  if (rc != CURLE_OK) {
    return Fail(ErrorCode::kUnavailable,
                "request to " + req.url + " failed: " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  resp.status = static_cast<int>(status);
  return std::move(resp);
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

HttpClient::HttpClient(TlsOptions tls) : tls_(std::move(tls)) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) const {
  HttpResponse resp;
  Sink sink;
  sink.body = &resp.body;
  return Perform(tls_, request, sink, resp);
}

Result<HttpResponse> HttpClient::SendStreaming(
    const HttpRequest& request, const std::function<bool(std::string_view)>& on_data) const {
  HttpResponse resp;
  Sink sink;
  sink.on_data = &on_data;
  return Perform(tls_, request, sink, resp);
}

}  // namespace retrain
