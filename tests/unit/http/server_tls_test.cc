// HTTPS: the server with a certificate made by the openssl command, verified by the libcurl
// client against that certificate as its CA; a reload for new connections; clear errors for
// unusable files.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "../temp_dir.h"
#include "http/http_client.h"
#include "server_fixture.h"

namespace retrain::testing {
namespace {

// A self-signed certificate for 127.0.0.1 and localhost, written as <dir>/<name>.crt and .key.
void MakeCertificate(const std::string& dir, const std::string& name, const std::string& cn) {
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + cn +
                          " -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " + dir +
                          "/" + name + ".key -out " + dir + "/" + name + ".crt 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

std::string HttpsUrl(const HttpServer& server, std::string_view target) {
  return "https://127.0.0.1:" + std::to_string(server.port()) + std::string(target);
}

HttpClient TrustOnly(const std::string& ca_file) {
  TlsOptions tls;
  tls.ca_file = ca_file;
  return HttpClient(tls);
}

class ServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeCertificate(dir_.path(), "a", "retrain-a");
    MakeCertificate(dir_.path(), "b", "retrain-b");
  }
  ServerOptions Tls(const std::string& name) const {
    ServerOptions o;
    o.tls_cert_file = dir_.path() + "/" + name + ".crt";
    o.tls_key_file = dir_.path() + "/" + name + ".key";
    return o;
  }
  std::string Crt(const std::string& name) const { return dir_.path() + "/" + name + ".crt"; }
  TempDir dir_;
};

TEST_F(ServerTlsTest, ServesHttpsVerifiedAgainstTheCertificate) {
  auto server = StartLocal(Echo, Tls("a"));
  ASSERT_TRUE(server);
  auto res = TrustOnly(Crt("a")).Send(MakeRequest("POST", HttpsUrl(*server, "/x"), "body"));
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "POST /x body");
  // Keep-alive over TLS: a second request on the same client.
  auto again = TrustOnly(Crt("a")).Send(MakeRequest("GET", HttpsUrl(*server, "/y")));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->body, "GET /y ");
}

TEST_F(ServerTlsTest, AClientThatDoesNotTrustTheCertificateIsRefused) {
  auto server = StartLocal(Echo, Tls("a"));
  ASSERT_TRUE(server);
  auto res = TrustOnly(Crt("b")).Send(MakeRequest("GET", HttpsUrl(*server, "/x")));
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kUnavailable);
  // Plain HTTP to the TLS port gets no HTTP answer.
  HttpClient plain;
  auto http = plain.Send(MakeRequest("GET", UrlOf(*server, "/x")));
  EXPECT_TRUE(!http.has_value() || http->status != 200);
  // The server is still fine afterwards.
  EXPECT_TRUE(TrustOnly(Crt("a")).Send(MakeRequest("GET", HttpsUrl(*server, "/x"))).has_value());
}

TEST_F(ServerTlsTest, ReloadServesTheNewCertificateToNewConnections) {
  ServerOptions missing = Tls("live");
  missing.port = 0;
  auto failed = HttpServer::Start(missing, Echo);  // "live" does not exist yet
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message.find("live.crt: No such file"), std::string::npos)
      << failed.error().message;
  std::filesystem::copy_file(Crt("a"), dir_.path() + "/live.crt");
  std::filesystem::copy_file(dir_.path() + "/a.key", dir_.path() + "/live.key");
  auto server = StartLocal(Echo, Tls("live"));
  ASSERT_TRUE(server);
  ASSERT_TRUE(TrustOnly(Crt("a")).Send(MakeRequest("GET", HttpsUrl(*server, "/"))).has_value());
  // Renewed on disk: still the old one until the reload.
  const auto opts = std::filesystem::copy_options::overwrite_existing;
  std::filesystem::copy_file(Crt("b"), dir_.path() + "/live.crt", opts);
  std::filesystem::copy_file(dir_.path() + "/b.key", dir_.path() + "/live.key", opts);
  EXPECT_FALSE(TrustOnly(Crt("b")).Send(MakeRequest("GET", HttpsUrl(*server, "/"))).has_value());
  ASSERT_TRUE(server->ReloadTls().has_value());
  auto res = TrustOnly(Crt("b")).Send(MakeRequest("GET", HttpsUrl(*server, "/")));
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  // A broken renewal is refused and the server keeps the certificate it has.
  std::ofstream(dir_.path() + "/live.key", std::ios::trunc) << "not a key\n";
  auto bad = server->ReloadTls();
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("live.key"), std::string::npos) << bad.error().message;
  EXPECT_TRUE(TrustOnly(Crt("b")).Send(MakeRequest("GET", HttpsUrl(*server, "/"))).has_value());
}

TEST_F(ServerTlsTest, AKeyOfAnotherCertificateIsRefusedAtStart) {
  ServerOptions o = Tls("a");
  o.tls_key_file = dir_.path() + "/b.key";
  o.host = "127.0.0.1";
  o.port = 0;
  auto server = HttpServer::Start(o, Echo);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(server.error().message.find("does not belong"), std::string::npos)
      << server.error().message;
}

TEST_F(ServerTlsTest, ReloadWithoutTlsIsRefused) {
  auto server = StartLocal(Echo);
  ASSERT_TRUE(server);
  EXPECT_EQ(server->ReloadTls().error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace retrain::testing
