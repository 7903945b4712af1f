#include "transport/smtp_submit.hpp"

#include <algorithm>
#include <cstring>

#include "mail/header_codec.hpp"
#include "transport/curl.hpp"
#include "transport/sendmail.hpp"

namespace zest::transport {
namespace {

struct Upload {
  std::string_view data;
  std::size_t pos = 0;
};

std::size_t read_cb(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  const std::size_t len = std::min(size * n, u->data.size() - u->pos);
  std::memcpy(buf, u->data.data() + u->pos, len);
  u->pos += len;
  return len;
}

// What to change when a TLS problem stops the submission.
std::string tls_hint(CURLcode rc, const SubmissionOptions& o) {
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
      return o.ca_file.empty()
                 ? " (the server's certificate is not signed by a CA this system trusts: set "
                   "[submission] ca_file to the PEM file of its CA, or of the certificate "
                   "itself when it is self-signed; tls_verify = false skips the check)"
                 : " (the server's certificate is not signed by [submission] ca_file " + o.ca_file +
                       " or does not name the host of [submission] url; tls_verify = false "
                       "skips the check)";
    case CURLE_SSL_CACERT_BADFILE:
      return " ([submission] ca_file " + o.ca_file + " is missing or not PEM)";
    case CURLE_USE_SSL_FAILED:
      return " (the server does not offer STARTTLS and [submission] starttls is \"required\"; "
             "\"opportunistic\" sends in plain text then)";
    default:
      return "";
  }
}

}  // namespace

std::optional<StartTls> parse_starttls(std::string_view text) {
  if (text == "required") return StartTls::Required;
  if (text == "opportunistic") return StartTls::Opportunistic;
  if (text == "none") return StartTls::None;
  return std::nullopt;
}

Status Submitter::send(std::string_view from, std::string_view rcpt, std::string_view message) {
  if (options_.sendmail_path.empty()) return smtp_.send(from, rcpt, message);
  const std::string one(rcpt);
  return run_sendmail(options_.sendmail_path, from, std::span(&one, 1), message,
                      options_.timeout_seconds);
}

Status CurlSender::send(std::string_view from, std::string_view rcpt, std::string_view message) {
  curl::Easy curl(curl_easy_init());
  if (!curl) return Status::failure("curl_easy_init failed");
  // SMTP's line ends, and a message that ends with one.
  std::string data = mail::to_crlf(message);
  if (!data.ends_with("\r\n")) data += "\r\n";
  Upload up{data};
  const std::string mail_from = "<" + std::string(from) + ">";
  curl::Slist rcpts;
  rcpts.append("<" + std::string(rcpt) + ">");
  char errbuf[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, options_.timeout_seconds);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // we run on worker threads
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  // STARTTLS as [submission] starttls says; smtps:// URLs always use TLS.
  const bool implicit_tls = options_.url.starts_with("smtps://");
  const long use_ssl = implicit_tls                                   ? CURLUSESSL_ALL
                       : options_.starttls == StartTls::Required      ? CURLUSESSL_ALL
                       : options_.starttls == StartTls::Opportunistic ? CURLUSESSL_TRY
                                                                      : CURLUSESSL_NONE;
  curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    return Status::failure("SMTP submission to " + options_.url +
                           " failed: " + curl::error_text(rc, errbuf) + tls_hint(rc, options_));
  return Status::success();
}

}  // namespace zest::transport
