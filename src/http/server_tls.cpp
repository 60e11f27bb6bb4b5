#include <openssl/ssl.h>

#include "http/server.hpp"

namespace awmg::http {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ssl::context>> server_tls_context(const std::string& cert_file,
                                                         const std::string& key_file,
                                                         const std::string& client_ca_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);  // a client cannot make the server redo handshakes
  // (a resumed TLS 1.2 session needs a context id when client certificates are verified)
  static const unsigned char kSessionContext[] = "awmg";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  // An encrypted key is refused, not asked for on a terminal.
  context->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); });
  // TLS 1.2: forward secrecy and AEAD only (TLS 1.3's suites are all of that kind).
  if (SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1:!RSA") != 1)
    return Error{"failed to configure TLS: no usable cipher"};
  context->use_certificate_chain_file(cert_file, ec);
  if (ec)
    return Error{"failed to configure TLS: cannot use the certificate " + cert_file + ": " + ec.message()};
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec)
    return Error{"failed to configure TLS: cannot use the private key " + key_file + ": " + ec.message()};
  if (SSL_CTX_check_private_key(native) != 1)
    return Error{"failed to configure TLS: the private key " + key_file + " does not match the certificate " +
                 cert_file};
  if (!client_ca_file.empty()) {
    context->load_verify_file(client_ca_file, ec);
    if (ec)
      return Error{"failed to configure TLS: cannot use the client CA " + client_ca_file + ": " +
                   ec.message()};
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return context;
}

}  // namespace awmg::http
