#pragma once
#include <string>

#include "base/result.hpp"

namespace awmg::proxy {

// The files --tls writes into its directory (created 0755): ca.crt and server.crt (0644), server.key
// (0600, an EC PRIVATE KEY PEM).
struct CertificateFiles {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
};

// A fresh certificate authority (ECDSA P-256, CN "MCPG Proxy CA", O "MCPG Proxy", a CA with path length 0,
// valid from an hour ago for a day) and a server certificate it signs (CN localhost; SAN DNS localhost, IP
// 127.0.0.1 and ::1; server authentication; valid a day), made at every start. The CA's key is never
// written: nothing can sign with it once the proxy exits. The directory must be a real directory of this
// user that no one else may write.
Result<CertificateFiles> generate_certificates(const std::string& dir);

}  // namespace awmg::proxy
