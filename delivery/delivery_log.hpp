// The log of one delivery: "event=<name> session=… user=… …" lines as the
// steps go, and the closing "event=delivery" line that sums it up.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "delivery/outcome.hpp"
#include "interp/actions.hpp"

namespace zest::delivery {

using LogFn = std::function<void(std::string_view line)>;

class DeliveryLog {
 public:
  using Field = std::pair<std::string_view, std::string_view>;

  DeliveryLog(const LogFn& out, std::string_view session, std::string_view user)
      : out_(out), session_(session), user_(user), started_(std::chrono::steady_clock::now()) {}

  // "event=<name> session=<session> user=<user> <fields>".
  void event(std::string_view name, std::initializer_list<Field> fields);
  // A line made elsewhere (the script's own log), with session and user appended.
  void tagged(std::string_view line);

  // What the closing line reports besides the outcome.
  std::string scripts;  // comma-separated paths of the scripts run
  std::string actions;  // actions_summary() of what was carried out
  std::string detail;   // why, for anything but a plain success
  std::string message_id;  // the Message-ID field, decoded ("" = none)
  std::string size;        // octets of the message as received
  std::string folders;     // comma-separated mailboxes written ("" = none)
  std::string sieve_ms;    // time in the scripts ("" = none ran)

  // Writes the "event=delivery" line and returns `o`.
  Outcome finish(Outcome o, std::string_view rcpt, std::string_view from);

 private:
  void write(std::string_view name, std::span<const Field> fields);

  const LogFn& out_;
  std::string_view session_, user_;
  std::chrono::steady_clock::time_point started_;
};

// "fileinto:Lists redirect:a@b implicit-keep": the actions of a result for the log.
std::string actions_summary(const interp::ActionList& list);

}  // namespace zest::delivery
