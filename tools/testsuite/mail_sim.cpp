#include "tools/testsuite/mail_sim.hpp"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "base/file.hpp"
#include "store/maildir_tx.hpp"
#include "store/maildir_walk.hpp"

namespace zest::testsuite {
namespace fs = std::filesystem;

// Pigeonhole's testsuite store names folders with '.' ("INBOX.Junk").
constexpr char kSeparator = '.';

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "zest-testsuite-XXXXXX").string();
  if (!::mkdtemp(tmpl.data()))
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Status CapturedSmtp::send(std::string_view from, std::string_view rcpt, std::string_view message) {
  sent.push_back({std::string(from), std::string(rcpt), std::string(message)});
  return Status::success();
}

MailSimulation::MailSimulation()
    : maildir_(dir_.path() / "Maildir"),
      duplicates_file_(dir_.path() / "duplicates"),
      backend_(maildir_, smtp_, std::make_shared<store::FileDuplicateStore>(duplicates_file_),
               false, kSeparator) {
  if (auto created = backend_.create_mailbox("INBOX"); !created)
    throw std::runtime_error(created.error());
}

bool MailSimulation::mailbox_exists(std::string_view mailbox) {
  auto dir = store::maildir_folder(maildir_, mailbox, kSeparator);
  return dir && store::maildir_exists(*dir);
}

Status MailSimulation::create_mailbox(std::string_view mailbox) {
  return backend_.create_mailbox(mailbox);
}

Status MailSimulation::store(std::string_view mailbox, std::span<const std::string> flags,
                             std::string_view message) {
  return backend_.store(mailbox, flags, message);
}

Status MailSimulation::send_mail(std::string_view envelope_from, std::string_view rcpt,
                                 std::string_view message) {
  return backend_.send_mail(envelope_from, rcpt, message);
}

bool MailSimulation::duplicate_seen(std::string_view id) {
  return backend_.duplicate_seen(id);
}

void MailSimulation::duplicate_mark(std::string_view id, std::chrono::seconds period) {
  backend_.duplicate_mark(id, period);
}

Status MailSimulation::commit() {
  auto r = backend_.commit();
  if (r.failure != delivery::StagedBackend::Failure::None) return Status::failure(r.error);
  for (const auto& copy : backend_.delivered())
    arrivals_[copy.stored.path.parent_path().parent_path()].push_back(copy.stored.path);
  return Status::success();
}

void MailSimulation::clear_duplicates() {
  std::error_code ec;
  fs::remove(duplicates_file_, ec);
}

std::optional<std::vector<StoredMessage>> MailSimulation::mailbox(std::string_view name) const {
  auto dir = store::maildir_folder(maildir_, name, kSeparator);
  if (!dir || !store::maildir_exists(*dir)) return std::nullopt;
  std::vector<StoredMessage> out;
  auto it = arrivals_.find(*dir);
  if (it == arrivals_.end()) return out;
  const auto kw = store::read_keyword_letters(*dir);
  for (const auto& file : it->second)
    out.push_back({store::flags_from_file_name(file.filename().string(), kw),
                   base::read_file(file).value_or("")});
  return out;
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
