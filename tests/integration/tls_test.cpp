// HTTPS and mTLS on the gateway's own listener, against throwaway certificates made for the test, with curl
// and openssl s_client as the clients.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "integration/awmg_process.hpp"

namespace awmg::test {
namespace {

// A CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, all signed by the CA.
struct Certificates {
  TempDir dir;
  bool made = false;
  Certificates() {
    dir.write("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    const std::string ec = "ec_paramgen_curve:prime256v1";
    std::vector<std::vector<std::string>> steps = {
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout",
         dir.file("ca.key"), "-out", dir.file("ca.pem"), "-days", "2", "-subj", "/CN=awmg test CA"},
        {"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout",
         dir.file("server.key"), "-out", dir.file("server.csr"), "-subj", "/CN=localhost"},
        {"/usr/bin/openssl", "x509", "-req", "-in", dir.file("server.csr"), "-CA", dir.file("ca.pem"),
         "-CAkey", dir.file("ca.key"), "-CAcreateserial", "-out", dir.file("server.pem"), "-days", "2",
         "-extfile", dir.file("server.ext")},
        {"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout",
         dir.file("client.key"), "-out", dir.file("client.csr"), "-subj", "/CN=agent"},
        {"/usr/bin/openssl", "x509", "-req", "-in", dir.file("client.csr"), "-CA", dir.file("ca.pem"),
         "-CAkey", dir.file("ca.key"), "-CAcreateserial", "-out", dir.file("client.pem"), "-days", "2"},
    };
    for (const auto& step : steps) {
      auto r = run(step);
      if (r.exit_code != 0) {
        ADD_FAILURE() << r.err;
        return;
      }
    }
    made = true;
  }
  std::string file(const std::string& name) const { return dir.file(name); }
};

RunResult curl(int port, const std::vector<std::string>& extra, const std::string& path = "/health") {
  std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "-m", "10", "-o", "-", "-w", "\n%{http_code}"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("https://127.0.0.1:" + std::to_string(port) + path);
  return run(argv);
}

TEST(Tls, HttpsServesHealthAndMcpAndTheClientConfigSaysHttps) {
  Certificates certs;
  ASSERT_TRUE(certs.made);
  TempDir dir;
  RunningGateway gw({"--demo", "--tls-cert", certs.file("server.pem"), "--tls-key", certs.file("server.key")},
                    awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  EXPECT_NE(gw.child().out().find("\"url\": \"https://127.0.0.1:" + std::to_string(gw.port()) + "/mcp/"),
            std::string::npos)
      << gw.child().out();
  auto health = curl(gw.port(), {"--cacert", certs.file("ca.pem")});
  EXPECT_EQ(health.exit_code, 0) << health.err;
  EXPECT_NE(health.out.find("\"status\":\"healthy\""), std::string::npos) << health.out;
  auto init =
      curl(gw.port(),
           {"--cacert", certs.file("ca.pem"), "-H", "Authorization: " + gw.agent_id(), "-H",
            "Content-Type: application/json", "-H", "Accept: application/json, text/event-stream", "-d",
            R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})"},
           "/mcp/demo");
  EXPECT_NE(init.out.find("\"protocolVersion\":\"2025-06-18\""), std::string::npos) << init.out << init.err;
  // A client that does not trust the certificate, and plain HTTP, get nothing.
  EXPECT_NE(curl(gw.port(), {}).exit_code, 0);
  EXPECT_NE(http_request(gw.port(), "GET", "/health", {}).status, 200);
  // TLS 1.1 is refused even to a client willing to speak it; TLS 1.2 is served.
  auto address = "127.0.0.1:" + std::to_string(gw.port());
  auto old =
      run({"/usr/bin/openssl", "s_client", "-connect", address, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"});
  EXPECT_NE(old.exit_code, 0) << old.out;
  auto modern =
      run({"/usr/bin/openssl", "s_client", "-connect", address, "-tls1_2", "-CAfile", certs.file("ca.pem")});
  EXPECT_NE(modern.out.find("Verify return code: 0 (ok)"), std::string::npos) << modern.out << modern.err;
  EXPECT_NE(modern.out.find("ECDHE"), std::string::npos) << modern.out;
}

TEST(Tls, MutualTlsRefusesClientsWithoutACertificateFromTheCa) {
  Certificates certs;
  ASSERT_TRUE(certs.made);
  TempDir dir;
  RunningGateway gw({"--demo", "--tls-cert", certs.file("server.pem"), "--tls-key", certs.file("server.key"),
                     "--tls-ca", certs.file("ca.pem")},
                    awmg_env(dir));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  auto without = curl(gw.port(), {"--cacert", certs.file("ca.pem")});
  EXPECT_NE(without.exit_code, 0) << without.out;
  auto with_own_ca = curl(gw.port(), {"--cacert", certs.file("ca.pem"), "--cert", certs.file("server.pem"),
                                      "--key", certs.file("server.key")});  // signed by the CA too: accepted
  EXPECT_EQ(with_own_ca.exit_code, 0) << with_own_ca.err;
  auto with = curl(gw.port(), {"--cacert", certs.file("ca.pem"), "--cert", certs.file("client.pem"), "--key",
                               certs.file("client.key")});
  EXPECT_EQ(with.exit_code, 0) << with.err;
  EXPECT_NE(with.out.find("\"status\":\"healthy\""), std::string::npos) << with.out;
  // A TLS 1.2 client that resumes its session (as libcurl and browsers do) is served again.
  const std::string address = "127.0.0.1:" + std::to_string(gw.port());
  const std::vector<std::string> client = {"/usr/bin/openssl",
                                           "s_client",
                                           "-connect",
                                           address,
                                           "-tls1_2",
                                           "-CAfile",
                                           certs.file("ca.pem"),
                                           "-cert",
                                           certs.file("client.pem"),
                                           "-key",
                                           certs.file("client.key")};
  auto first_argv = client;
  first_argv.insert(first_argv.end(), {"-sess_out", certs.file("session")});
  auto first = run(first_argv);
  EXPECT_NE(first.out.find("Verify return code: 0 (ok)"), std::string::npos) << first.out << first.err;
  auto again_argv = client;
  again_argv.insert(again_argv.end(), {"-sess_in", certs.file("session")});
  auto again = run(again_argv);
  EXPECT_NE(again.out.find("Reused, TLSv1.2"), std::string::npos) << again.out << again.err;
  // A certificate from another CA is refused in the handshake.
  Certificates stranger;
  ASSERT_TRUE(stranger.made);
  auto foreign = curl(gw.port(), {"--cacert", certs.file("ca.pem"), "--cert", stranger.file("client.pem"),
                                  "--key", stranger.file("client.key")});
  EXPECT_NE(foreign.exit_code, 0) << foreign.out;
}

TEST(Tls, AnUnusableCertificateIsRefusedAtStartupNamingTheFile) {
  Certificates certs;
  ASSERT_TRUE(certs.made);
  TempDir dir;
  auto mismatched =
      run_awmg({"--demo", "--tls-cert", certs.file("server.pem"), "--tls-key", certs.file("client.key")},
               awmg_env(dir));
  EXPECT_EQ(mismatched.exit_code, 1);
  EXPECT_NE(
      mismatched.err.find("failed to configure TLS: cannot use the private key " + certs.file("client.key")),
      std::string::npos)
      << mismatched.err;
  auto missing = run_awmg(
      {"--demo", "--tls-cert", dir.file("nope.pem"), "--tls-key", certs.file("server.key")}, awmg_env(dir));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot use the certificate " + dir.file("nope.pem")), std::string::npos)
      << missing.err;
}

// Clients that open a connection and stall in the handshake (a partial ClientHello, or nothing at all) are
// cut off at the read timeout and never hold up anyone else.
TEST(Tls, ClientsStallingInTheHandshakeAreCutOffAndOthersAreServed) {
  Certificates certs;
  ASSERT_TRUE(certs.made);
  TempDir dir;
  RunningGateway gw({"--demo", "--tls-cert", certs.file("server.pem"), "--tls-key", certs.file("server.key")},
                    awmg_env(dir, {{"AWMG_HTTP_READ_TIMEOUT", "1s"}}));
  ASSERT_TRUE(gw.ready()) << gw.child().err();
  const std::string partial_hello("\x16\x03\x01\x02\x00\x01", 6);  // a record header and a byte of the hello
  std::vector<std::future<std::pair<std::string, double>>> stallers;
  for (int i = 0; i < 40; ++i) {
    stallers.push_back(std::async(std::launch::async, [&gw, &partial_hello, i] {
      auto start = std::chrono::steady_clock::now();
      std::string answer = raw_exchange(gw.port(), i % 2 ? partial_hello : "", 8000);
      return std::make_pair(answer,
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto health = curl(gw.port(), {"--cacert", certs.file("ca.pem")});
  EXPECT_NE(health.out.find("\"status\":\"healthy\""), std::string::npos) << health.out << health.err;
  for (auto& s : stallers) {
    auto [answer, seconds] = s.get();
    EXPECT_LT(seconds, 4.0) << "a stalled handshake is cut off at the read timeout";
  }
}

}  // namespace
}  // namespace awmg::test
