// Outgoing mail (redirect, vacation, rejection messages, mailto
// notifications): SMTP submission with libcurl, or a sendmail-compatible
// program ([submission] in docs/configuration.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace zest::transport {

class MailSender {
 public:
  virtual ~MailSender() = default;
  // One message to one recipient; an empty `from` is the null sender.
  virtual Status send(std::string_view from, std::string_view rcpt, std::string_view message) = 0;
};

// [submission] starttls: on smtp:// URLs, must the session switch to TLS?
enum class StartTls {
  Required,       // STARTTLS or fail (a server that does not offer it is an error)
  Opportunistic,  // STARTTLS when the server offers it, else plain text
  None,           // never (smtps:// URLs still use implicit TLS)
};
std::optional<StartTls> parse_starttls(std::string_view text);  // "required", ...

struct SubmissionOptions {
  std::string url = "smtp://127.0.0.1:25";  // smtp:// (STARTTLS per `starttls`) or smtps://
  std::string username;
  std::string password;
  long timeout_seconds = 30;
  std::string ca_file;     // PEM CA (or the server's own certificate) to trust; "" = system CAs
  bool tls_verify = true;  // verify the server's certificate and name
  StartTls starttls = StartTls::Opportunistic;
  std::string sendmail_path;  // non-empty: hand mail to this program instead of SMTP
};

// SMTP submission only (ignores sendmail_path).
class CurlSender final : public MailSender {
 public:
  explicit CurlSender(SubmissionOptions options) : options_(std::move(options)) {}
  Status send(std::string_view from, std::string_view rcpt, std::string_view message) override;

 private:
  SubmissionOptions options_;
};

// What [submission] says: the sendmail program when sendmail_path is set,
// else SMTP submission.
class Submitter final : public MailSender {
 public:
  explicit Submitter(SubmissionOptions options) : smtp_(options), options_(std::move(options)) {}
  Status send(std::string_view from, std::string_view rcpt, std::string_view message) override;

 private:
  CurlSender smtp_;
  SubmissionOptions options_;
};

}  // namespace zest::transport
