// RFC 5490 mboxmetadata and servermetadata against a host with a few
// annotations.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::registry;

class MetadataHost : public Host {
 public:
  std::optional<std::string> mailbox_metadata(std::string_view mailbox,
                                              std::string_view entry) override {
    if (mailbox == "INBOX" && entry == "/private/vendor/vendor.isode/auto-replies") return "on";
    return std::nullopt;
  }
  std::optional<std::string> server_metadata(std::string_view entry) override {
    if (entry == "/shared/admin") return "mailto:admin@example.com";
    return std::nullopt;
  }
};

bool holds(std::string_view test) {
  const std::string src =
      "require [\"mboxmetadata\", \"servermetadata\"];\nif " + std::string(test) + " { discard; }";
  auto r = compile(src, registry(), {});
  EXPECT_TRUE(r.program.has_value()) << testing::diag_text(r.diags);
  if (!r.program) return false;
  const mail::Message msg{std::string(testing::kMessage)};
  MetadataHost host;
  return !run_program(*r.program, msg, testing::default_envelope(), host, {}, registry())
              .implicit_keep;
}

TEST(ExtMetadata, Rfc5490Section3Example) {
  // §3.3: metadata :is "INBOX" "/private/vendor/vendor.isode/auto-replies" "on"
  EXPECT_TRUE(holds("metadata :is \"INBOX\" \"/private/vendor/vendor.isode/auto-replies\" \"on\""));
  EXPECT_FALSE(
      holds("metadata :is \"INBOX\" \"/private/vendor/vendor.isode/auto-replies\" \"off\""));
  EXPECT_TRUE(holds("metadataexists \"INBOX\" \"/private/vendor/vendor.isode/auto-replies\""));
  EXPECT_FALSE(
      holds("metadataexists \"INBOX\" [\"/private/vendor/vendor.isode/auto-replies\", "
            "\"/private/other\"]"));
}

TEST(ExtMetadata, ServerMetadata) {
  EXPECT_TRUE(holds("servermetadata :matches \"/shared/admin\" \"mailto:*\""));
  EXPECT_TRUE(holds("servermetadataexists \"/shared/admin\""));
  EXPECT_FALSE(holds("servermetadataexists \"/shared/other\""));
}

TEST(ExtMetadata, InvalidNamesNeverMatch) {
  EXPECT_FALSE(holds("metadata :contains \"INBOX\" \"/frop\" \"\""));
  EXPECT_FALSE(holds("servermetadataexists \"admin\""));
  EXPECT_NE(testing::compile_errors("require \"mboxmetadata\"; if metadata \"INBOX\" \"x\" {}"),
            "");
}

}  // namespace
}  // namespace zest::interp
