#include "proxy/certificates.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <vector>

#include "base/files.hpp"

namespace awmg::proxy {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

constexpr long kValidFrom = -3600;     // an hour ago: clocks of the clients may lag
constexpr long kValidFor = 24 * 3600;  // until 23 hours from now

Status add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return Error{std::string("cannot make the certificate extension ") + value};
  int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (!added) return Error{std::string("cannot add the certificate extension ") + value};
  return ok_status();
}

Status set_serial(X509* cert) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
  if (!serial || !BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)))
    return Error{"cannot make a certificate serial number"};
  return ok_status();
}

struct Subject {
  const char* common_name;
  const char* organization;  // nullptr: none
};

// A certificate for `key` signed by `issuer_key` (by itself when `issuer` is null), with `extensions` as
// (nid, value) pairs.
Result<Cert> make_certificate(EVP_PKEY* key, const Subject& subject, X509* issuer, EVP_PKEY* issuer_key,
                              const std::vector<std::pair<int, const char*>>& extensions) {
  Cert cert(X509_new(), X509_free);
  if (!cert || !X509_set_version(cert.get(), 2)) return Error{"cannot make a certificate"};
  AWMG_CHECK(set_serial(cert.get()));
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), kValidFrom) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValidFrom + kValidFor) ||
      !X509_set_pubkey(cert.get(), key))
    return Error{"cannot set the certificate's validity or key"};
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto text = [](const char* s) { return reinterpret_cast<const unsigned char*>(s); };
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, text(subject.common_name), -1, -1, 0) ||
      (subject.organization &&
       !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, text(subject.organization), -1, -1, 0)))
    return Error{"cannot set the certificate's subject"};
  X509* signer = issuer ? issuer : cert.get();
  if (!X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)))
    return Error{"cannot set the certificate's issuer"};
  for (const auto& [nid, value] : extensions) AWMG_CHECK(add_extension(cert.get(), signer, nid, value));
  if (!X509_sign(cert.get(), issuer_key, EVP_sha256())) return Error{"cannot sign the certificate"};
  return cert;
}

Result<std::string> pem(const std::function<int(BIO*)>& write) {
  Bio bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || !write(bio.get())) return Error{"cannot write PEM"};
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// Clients are told to trust ca.crt: the directory must be ours alone to write (not a link another user
// could point elsewhere, not writable by others), or another local user could swap the CA.
Status check_private_directory(const std::string& dir) {
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0) return Error{"cannot stat the TLS directory " + dir};
  if (!S_ISDIR(info.st_mode)) return Error{"the TLS directory " + dir + " is not a directory (a link?)"};
  if (info.st_uid != ::geteuid()) return Error{"the TLS directory " + dir + " belongs to another user"};
  if (info.st_mode & 022) return Error{"the TLS directory " + dir + " is writable by other users"};
  return ok_status();
}

}  // namespace

Result<CertificateFiles> generate_certificates(const std::string& dir) {
  Key ca_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  Key server_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!ca_key || !server_key) return Error{"cannot generate a P-256 key"};
  AWMG_TRY(Cert ca, make_certificate(ca_key.get(), {"MCPG Proxy CA", "MCPG Proxy"}, nullptr, ca_key.get(),
                                     {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                      {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                      {NID_subject_key_identifier, "hash"}}));
  AWMG_TRY(Cert server,
           make_certificate(server_key.get(), {"localhost", "MCPG Proxy"}, ca.get(), ca_key.get(),
                            {{NID_basic_constraints, "critical,CA:FALSE"},
                             {NID_key_usage, "critical,digitalSignature"},
                             {NID_ext_key_usage, "serverAuth"},
                             {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
                             {NID_authority_key_identifier, "keyid:always"}}));
  AWMG_TRY(std::string ca_pem, pem([&](BIO* b) { return PEM_write_bio_X509(b, ca.get()); }));
  AWMG_TRY(std::string server_pem, pem([&](BIO* b) { return PEM_write_bio_X509(b, server.get()); }));
  AWMG_TRY(std::string key_pem, pem([&](BIO* b) {
             return PEM_write_bio_PrivateKey_traditional(b, server_key.get(), nullptr, nullptr, 0, nullptr,
                                                         nullptr);
           }));
  if (auto made = base::make_dirs(dir, 0755); !made)
    return Error{"cannot create the TLS directory " + dir + ": " + made.error().message};
  AWMG_CHECK(check_private_directory(dir));
  CertificateFiles files{dir + "/ca.crt", dir + "/server.crt", dir + "/server.key"};
  AWMG_CHECK(base::write_file_atomic(files.server_key, key_pem, 0600));
  AWMG_CHECK(base::write_file_atomic(files.ca_cert, ca_pem, 0644));
  AWMG_CHECK(base::write_file_atomic(files.server_cert, server_pem, 0644));
  return files;
}

}  // namespace awmg::proxy
