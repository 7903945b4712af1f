#include "tools/testsuite/mail_sim.hpp"

#include "interp/actions.hpp"

namespace zest::testsuite {

MailSimulation::MailSimulation() {
  boxes_["INBOX"];
}

bool MailSimulation::mailbox_exists(std::string_view mailbox) {
  return boxes_.find(interp::canonical_mailbox(mailbox)) != boxes_.end();
}

namespace {

// Maildir++ with '.' as hierarchy separator: no empty components, no '/'.
bool valid_mailbox_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  if (name.find("..") != std::string_view::npos) return false;
  return name.find('/') == std::string_view::npos;
}

}  // namespace

delivery::Error MailSimulation::create_mailbox(std::string_view mailbox) {
  if (!valid_mailbox_name(mailbox)) return "Invalid mailbox name";
  boxes_[interp::canonical_mailbox(mailbox)];  // creating an existing one is fine
  return std::nullopt;
}

delivery::Error MailSimulation::store(std::string_view mailbox, std::span<const std::string> flags,
                                      std::string_view message) {
  auto it = boxes_.find(interp::canonical_mailbox(mailbox));
  if (it == boxes_.end()) return "Mailbox doesn't exist: " + std::string(mailbox);
  it->second.push_back({{flags.begin(), flags.end()}, std::string(message)});
  return std::nullopt;
}

delivery::Error MailSimulation::send_mail(std::string_view envelope_from, std::string_view rcpt,
                                          std::string_view message) {
  outbox_.push_back({std::string(envelope_from), std::string(rcpt), std::string(message)});
  return std::nullopt;
}

bool MailSimulation::duplicate_seen(std::string_view id) {
  return duplicates_.count(id) > 0;
}

void MailSimulation::duplicate_mark(std::string_view id, std::chrono::seconds) {
  // A test run is far shorter than any duplicate period.
  duplicates_.emplace(id);
}

const std::vector<StoredMessage>* MailSimulation::mailbox(std::string_view name) const {
  auto it = boxes_.find(interp::canonical_mailbox(name));
  return it == boxes_.end() ? nullptr : &it->second;
}

void MailSimulation::set_metadata(std::string_view mailbox, std::string_view entry,
                                  std::string_view value) {
  metadata_[{std::string(mailbox), std::string(entry)}] = std::string(value);
}

const std::string* MailSimulation::metadata(std::string_view mailbox,
                                            std::string_view entry) const {
  auto it = metadata_.find({std::string(mailbox), std::string(entry)});
  return it == metadata_.end() ? nullptr : &it->second;
}

}  // namespace zest::testsuite
