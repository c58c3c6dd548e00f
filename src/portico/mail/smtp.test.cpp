#include "portico/mail/smtp.hpp"

#include <gtest/gtest.h>

#include "portico/mail/smtp_sink.test.hpp"

namespace portico::mail {
namespace {

TEST(SmtpSenderUrl, AcceptsTheDocumentedForms) {
  struct Case {
    const char* url;
    SmtpTls tls;
    const char* display;
  };
  for (const Case& c : {
           Case{"smtp://mail.example.com", SmtpTls::kTry, "smtp://mail.example.com"},
           Case{"smtp://mail.example.com:2525?tls=none", SmtpTls::kNone,
                "smtp://mail.example.com:2525"},
           Case{"smtp://user:s3cret@mail.example.com:587?tls=required", SmtpTls::kRequired,
                "smtp://mail.example.com:587"},
           Case{"smtps://apikey:p%40ss@smtp.example.net", SmtpTls::kImplicit,
                "smtps://smtp.example.net"},
           Case{"smtps://smtp.example.net:465?tls=required", SmtpTls::kImplicit,
                "smtps://smtp.example.net:465"},
       }) {
    auto sender = SmtpSender::create(c.url);
    ASSERT_TRUE(sender) << c.url << ": " << sender.error().message;
    EXPECT_EQ(sender->tls(), c.tls) << c.url;
    EXPECT_EQ(sender->display_url(), c.display) << c.url;
  }
}

TEST(SmtpSenderUrl, RejectsOtherForms) {
  for (const char* url :
       {"", "mail.example.com", "http://mail.example.com", "smtp://mail.example.com?tls=maybe",
        "smtp://mail.example.com?x=1", "smtps://mail.example.com?tls=none", "smtp://"}) {
    auto sender = SmtpSender::create(url);
    ASSERT_FALSE(sender) << url;
    EXPECT_EQ(sender.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(sender.error().field, "smtp_url");
  }
}

constexpr std::string_view kMessage =
    "From: support@portico.example\r\n"
    "To: ana@customer.example\r\n"
    "Subject: Test\r\n"
    "\r\n"
    "Line one\r\n"
    ".\r\n"
    "..two dots\r\n"
    ".one dot\r\n"
    "last line\r\n";

TEST(SmtpSender, DeliversTheMessageUnchanged) {
  if (!test::SmtpSink::available()) GTEST_SKIP() << test::kSystemPython << " is missing";
  test::TempDir dir;
  test::SmtpSink sink(dir.path() / "maildir");
  auto sender = SmtpSender::create(sink.url());
  ASSERT_TRUE(sender) << sender.error().message;

  auto sent =
      sender->send("support@portico.example", "ana@customer.example", std::string(kMessage));
  ASSERT_TRUE(sent) << sent.error().message;

  auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0],
            "Return-Path: <support@portico.example>\r\n"
            "Delivered-To: ana@customer.example\r\n" +
                std::string(kMessage));
}

TEST(SmtpSender, ServerDownIsUnavailable) {
  test::ReservedPort closed;  // bound, not listening: connections are refused
  auto sender =
      SmtpSender::create("smtp://127.0.0.1:" + std::to_string(closed.port()) + "?tls=none");
  ASSERT_TRUE(sender) << sender.error().message;
  auto sent =
      sender->send("support@portico.example", "ana@customer.example", std::string(kMessage));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(sent.error().message.find(sender->display_url()), std::string::npos);
}

TEST(SmtpSender, RejectsUnsafeEnvelopeAddresses) {
  auto sender = SmtpSender::create("smtp://127.0.0.1:1?tls=none");
  ASSERT_TRUE(sender) << sender.error().message;
  auto sent = sender->send("support@portico.example", "ana@x.example>\r\nRCPT TO:<eve@y.example",
                           std::string(kMessage));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace portico::mail
