#include "transport/smtp_submit.hpp"

#include <algorithm>
#include <cstring>

#include "mail/header_codec.hpp"
#include "transport/curl.hpp"

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

}  // namespace

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
  // Use TLS when the server offers STARTTLS; smtps:// URLs always use it.
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    return Status::failure("SMTP submission to " + options_.url +
                           " failed: " + curl::error_text(rc, errbuf));
  return Status::success();
}

}  // namespace zest::transport
