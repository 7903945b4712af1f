// drop_mta_trace: what `zest deliver` removes from the top of a message
// that Postfix's pipe(8) (flags=DR) or local(8) handed it.
#include "delivery/lda_trace.hpp"

#include <gtest/gtest.h>

namespace zest::delivery {
namespace {

TEST(LdaTrace, PostfixPipeFieldsAreDropped) {
  // pipe(8) flags=DRO writes Return-Path, X-Original-To, Delivered-To.
  const std::string in =
      "Return-Path: <bob@example.net>\nX-Original-To: alias@example.org\n"
      "Delivered-To: alice@example.org\nReceived: from mx\n\tby mx\nSubject: s\n\nbody\n";
  EXPECT_EQ(drop_mta_trace(in, "alice@example.org"),
            "X-Original-To: alias@example.org\nReceived: from mx\n\tby mx\nSubject: s\n\nbody\n");
}

TEST(LdaTrace, DeliveredToOfAnotherRecipientStays) {
  // An earlier hop's Delivered-To (a forward) is loop evidence: kept, and
  // so is everything after it.
  const std::string in = "Delivered-To: list@example.org\nReturn-Path: <x@y>\nSubject: s\n\nb\n";
  EXPECT_EQ(drop_mta_trace(in, "alice@example.org"), in);
}

TEST(LdaTrace, CaseAndOnlyTheTop) {
  const std::string in =
      "delivered-to: Alice@Example.ORG\nSubject: s\nReturn-Path: <later@x>\n"
      "Delivered-To: alice@example.org\n\nReturn-Path: body\n";
  EXPECT_EQ(drop_mta_trace(in, "alice@example.org"),
            "Subject: s\nReturn-Path: <later@x>\nDelivered-To: alice@example.org\n\n"
            "Return-Path: body\n");
}

TEST(LdaTrace, NothingToDropAndOddInput) {
  EXPECT_EQ(drop_mta_trace("Subject: s\n\nb\n", "a@b"), "Subject: s\n\nb\n");
  EXPECT_EQ(drop_mta_trace("", "a@b"), "");
  EXPECT_EQ(drop_mta_trace("\nbody only\n", "a@b"), "\nbody only\n");
  EXPECT_EQ(drop_mta_trace("Return-Path: <a@b>", "a@b"), "");
  EXPECT_EQ(drop_mta_trace("no colon line\nSubject: s\n", "a@b"), "no colon line\nSubject: s\n");
}

}  // namespace
}  // namespace zest::delivery
