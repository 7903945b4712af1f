// Outgoing mail (redirect, vacation, rejection messages, mailto
// notifications) through SMTP submission with libcurl.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zest::transport {

class MailSender {
 public:
  virtual ~MailSender() = default;
  // One message to one recipient; an empty `from` is the null sender.
  // Returns an error text on failure.
  virtual std::optional<std::string> send(std::string_view from, std::string_view rcpt,
                                          std::string_view message) = 0;
};

struct SubmissionOptions {
  std::string url = "smtp://127.0.0.1:25";  // smtp://, smtps:// (or smtp:// + STARTTLS if offered)
  std::string username;
  std::string password;
  long timeout_seconds = 30;
};

class CurlSender final : public MailSender {
 public:
  explicit CurlSender(SubmissionOptions options) : options_(std::move(options)) {}
  std::optional<std::string> send(std::string_view from, std::string_view rcpt,
                                  std::string_view message) override;

 private:
  SubmissionOptions options_;
};

// Normalises line ends to CRLF (SMTP's), leaving existing CRLFs alone.
std::string to_crlf(std::string_view text);

}  // namespace zest::transport
