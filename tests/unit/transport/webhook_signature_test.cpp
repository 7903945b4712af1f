// The Standard Webhooks signer against vectors computed with Python's
// hmac and hashlib (not with this code).
#include "transport/webhook_signature.hpp"

#include <gtest/gtest.h>

namespace zest::transport {
namespace {

TEST(WebhookKey, WhsecOrPlainBase64) {
  EXPECT_EQ(webhook_key("whsec_c2lldmUtdGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2Q="),
            "sieve-test-secret-0123456789abcd");
  EXPECT_EQ(webhook_key("YWI="), "ab");
  EXPECT_FALSE(webhook_key("whsec_"));
  EXPECT_FALSE(webhook_key(""));
  EXPECT_FALSE(webhook_key("whsec_YWI"));   // not a multiple of 4
  EXPECT_FALSE(webhook_key("whsec_YW=I"));  // padding inside
  EXPECT_FALSE(webhook_key("whsec_Y*I="));  // outside the alphabet
}

TEST(WebhookSignature, DocumentedVector) {
  // docs/http-notify.md (shared/spec/http.md §1.3).
  auto key = webhook_key("whsec_c2lldmUtdGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2Q=");
  ASSERT_TRUE(key);
  EXPECT_EQ(webhook_signature(*key, "evt_01J0000000000000000000000", 1764316800,
                              "{\"type\":\"imap.MessageNew\",\"data\":{\"user\":\"alice@example."
                              "org\",\"mailbox\":\"INBOX\",\"uidvalidity\":1700000000,\"uid\":42,"
                              "\"modseq\":1001}}"),
            "v1,rWUaARDFQuqRRipDkieZNRNMQJLco7xWIApyGwbQ4ek=");
}

TEST(WebhookSignature, BinaryKeyAndUtf8Body) {
  // python3: key = bytes(range(32)); hmac.new(key, b'msg_2Kx9.1700000000.' +
  // '{"ok":true,"text":"hé"}'.encode(), hashlib.sha256), base64.
  auto key = webhook_key("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  ASSERT_TRUE(key);
  ASSERT_EQ(key->size(), 32u);
  EXPECT_EQ((*key)[0], '\0');
  EXPECT_EQ(webhook_signature(*key, "msg_2Kx9", 1700000000, "{\"ok\":true,\"text\":\"h\xc3\xa9\"}"),
            "v1,3DkUFR3M6xmuvV2mMNuwL4Ovjl7uowIqqDF+QwVGWyo=");
}

}  // namespace
}  // namespace zest::transport
