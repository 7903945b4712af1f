// Outgoing mail (redirect, vacation, rejection messages, mailto
// notifications) through SMTP submission with libcurl.
#pragma once

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

struct SubmissionOptions {
  std::string url = "smtp://127.0.0.1:25";  // smtp://, smtps:// (or smtp:// + STARTTLS if offered)
  std::string username;
  std::string password;
  long timeout_seconds = 30;
};

class CurlSender final : public MailSender {
 public:
  explicit CurlSender(SubmissionOptions options) : options_(std::move(options)) {}
  Status send(std::string_view from, std::string_view rcpt, std::string_view message) override;

 private:
  SubmissionOptions options_;
};

}  // namespace zest::transport
