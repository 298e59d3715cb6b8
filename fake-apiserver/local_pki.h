// Certificates made at run time with OpenSSL's C API: a CA and a server certificate it signs
// (P-256 keys, SAN for the given names and IPs, serverAuth and clientAuth), written as PEM
// files into a temporary directory that the object removes. For the tests and the loopback
// cluster, which need a CA of their own; never for a deployment (provider/deploy/make-certs.sh).
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

namespace kci::tls {

namespace tls_detail {

inline std::string pem_of(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

inline std::string pem_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

inline void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext) {
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
}

inline X509* make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                       const std::string& san) {
  static std::mt19937_64 serials(std::random_device{}());
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set_int64(X509_get_serialNumber(cert), static_cast<int64_t>(serials() >> 2));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  X509* iss = issuer ? issuer : cert;
  if (ca) {
    add_ext(cert, iss, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert, iss, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert, iss, NID_ext_key_usage, "serverAuth,clientAuth");
    if (!san.empty()) add_ext(cert, iss, NID_subject_alt_name, san);
  }
  X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256());
  return cert;
}

}  // namespace tls_detail

//! A CA and a server certificate for `san` ("IP:127.0.0.1,DNS:localhost"), as PEM text and files.
struct LocalPki {
  explicit LocalPki(const std::string& san = "IP:127.0.0.1,DNS:localhost", const std::string& ca_name = "kci test CA") {
    using namespace tls_detail;
    EVP_PKEY* ca_key = EVP_EC_gen("P-256");
    X509* ca = make_cert(ca_key, ca_name, nullptr, nullptr, true, {});
    EVP_PKEY* server_key = EVP_EC_gen("P-256");
    X509* server = make_cert(server_key, "kci-fake-apiserver", ca, ca_key, false, san);
    ca_pem = pem_of(ca);
    cert_pem = pem_of(server);
    key_pem = pem_of(server_key);
    X509_free(server);
    EVP_PKEY_free(server_key);
    X509_free(ca);
    EVP_PKEY_free(ca_key);

    static std::mt19937_64 names(std::random_device{}());
    dir = std::filesystem::temp_directory_path() / ("kci-pki-" + std::to_string(names()));
    std::filesystem::create_directories(dir);
    write("ca.crt", ca_pem);
    write("server.crt", cert_pem);
    write("server.key", key_pem);
  }
  ~LocalPki() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  LocalPki(const LocalPki&) = delete;
  LocalPki& operator=(const LocalPki&) = delete;

  std::string file(const std::string& name) const { return (dir / name).string(); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(dir / name) << text; }

  std::filesystem::path dir;
  std::string ca_pem, cert_pem, key_pem;
};

}  // namespace kci::tls
