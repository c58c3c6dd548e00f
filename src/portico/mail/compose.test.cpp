#include "portico/mail/compose.hpp"

#include <gmime/gmime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

namespace portico::mail {
namespace {

struct GObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

GPtr<GMimeMessage> parse(const std::string& data) {
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(data.data(), data.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  return GPtr<GMimeMessage>(g_mime_parser_construct_message(parser.get(), nullptr));
}

std::string take(char* text) {
  std::string out = text ? text : "";
  g_free(text);
  return out;
}

std::string crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

// The first line of header `name` (exact case), "" if absent.
std::string raw_header(const std::string& message, const std::string& name) {
  std::string text = "\r\n" + message.substr(0, message.find("\r\n\r\n") + 2);
  auto at = text.find("\r\n" + name + ": ");
  if (at == std::string::npos) return {};
  at += name.size() + 4;
  return text.substr(at, text.find("\r\n", at) - at);
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

const MailIdentity kIdentity{"support@portico.example", "Portico Support", "help@portico.example"};
constexpr std::int64_t kDate = 1'767'225'600;  // 2026-01-01 00:00:00 UTC

OutgoingMail sample_mail() {
  OutgoingMail mail;
  mail.template_name = "ticket_created";
  mail.to_address = "zoe@customer.example";
  mail.to_name = "Zoë Müller";
  mail.subject = "[#42] Überweisung schlägt fehl – bitte prüfen ✓";
  mail.body_text =
      "Hello Zoë,\n\nWe received your request.\n.\n.a line starting with a dot\nFrom here on\n" +
      std::string(1200, 'x') + "\n";
  mail.body_html =
      "<!DOCTYPE html>\n<html><body><p>Hello Zoë, café &amp; crème</p></body></html>\n";
  return mail;
}

TEST(MailCompose, UsesCrlfOnlyAndSevenBitOnTheWire) {
  auto message = compose(kIdentity, sample_mail(), "<abc123@portico.example>", kDate);
  ASSERT_TRUE(message) << message.error().message;
  ASSERT_FALSE(message->empty());
  for (std::size_t i = 0; i < message->size(); ++i) {
    char c = (*message)[i];
    if (c == '\n') {
      ASSERT_TRUE(i > 0 && (*message)[i - 1] == '\r') << "bare LF at " << i;
    }
    if (c == '\r') {
      ASSERT_TRUE(i + 1 < message->size() && (*message)[i + 1] == '\n') << "bare CR at " << i;
    }
    ASSERT_LT(static_cast<unsigned char>(c), 0x80) << "8-bit byte at " << i;
  }
  // No line is longer than SMTP allows (998 + CRLF).
  std::size_t line_start = 0;
  for (std::size_t eol; (eol = message->find("\r\n", line_start)) != std::string::npos;) {
    EXPECT_LE(eol - line_start, 998u);
    line_start = eol + 2;
  }
}

TEST(MailCompose, WritesTheHeadersAMailNeeds) {
  auto message = compose(kIdentity, sample_mail(), "<abc123@portico.example>", kDate);
  ASSERT_TRUE(message) << message.error().message;
  EXPECT_NE(lower(raw_header(*message, "Subject")).find("=?utf-8?"), std::string::npos)
      << "subject is not RFC 2047 encoded: " << raw_header(*message, "Subject");
  EXPECT_EQ(raw_header(*message, "Message-Id"), "<abc123@portico.example>");
  EXPECT_EQ(raw_header(*message, "Date"), "Thu, 01 Jan 2026 00:00:00 +0000");
  EXPECT_EQ(raw_header(*message, "MIME-Version"), "1.0");
  EXPECT_EQ(raw_header(*message, "Auto-Submitted"), "auto-generated");
  EXPECT_NE(raw_header(*message, "To").find("<zoe@customer.example>"), std::string::npos);
  EXPECT_NE(raw_header(*message, "From"), "");
  EXPECT_EQ(raw_header(*message, "Reply-To"), "help@portico.example");
}

TEST(MailCompose, ParsesBackToTheSameMail) {
  OutgoingMail mail = sample_mail();
  auto message = compose(kIdentity, mail, "<abc123@portico.example>", kDate);
  ASSERT_TRUE(message) << message.error().message;
  auto parsed = parse(*message);
  ASSERT_TRUE(parsed);

  EXPECT_STREQ(g_mime_message_get_subject(parsed.get()), mail.subject.c_str());
  EXPECT_STREQ(g_mime_message_get_message_id(parsed.get()), "abc123@portico.example");
  GDateTime* date = g_mime_message_get_date(parsed.get());
  ASSERT_NE(date, nullptr);
  EXPECT_EQ(g_date_time_to_unix(date), kDate);

  InternetAddressList* to = g_mime_message_get_to(parsed.get());
  ASSERT_EQ(internet_address_list_length(to), 1);
  InternetAddress* recipient = internet_address_list_get_address(to, 0);
  EXPECT_STREQ(internet_address_get_name(recipient), "Zoë Müller");
  EXPECT_STREQ(
      internet_address_mailbox_get_addr(reinterpret_cast<InternetAddressMailbox*>(recipient)),
      "zoe@customer.example");
  InternetAddress* from =
      internet_address_list_get_address(g_mime_message_get_from(parsed.get()), 0);
  ASSERT_NE(from, nullptr);
  EXPECT_STREQ(internet_address_get_name(from), "Portico Support");
  EXPECT_STREQ(internet_address_mailbox_get_addr(reinterpret_cast<InternetAddressMailbox*>(from)),
               "support@portico.example");

  GMimeObject* root = g_mime_message_get_mime_part(parsed.get());
  ASSERT_NE(root, nullptr);
  ASSERT_TRUE(g_mime_content_type_is_type(g_mime_object_get_content_type(root), "multipart",
                                          "alternative"));
  auto* alternative = reinterpret_cast<GMimeMultipart*>(root);
  ASSERT_EQ(g_mime_multipart_get_count(alternative), 2);

  GMimeObject* plain = g_mime_multipart_get_part(alternative, 0);
  GMimeObject* html = g_mime_multipart_get_part(alternative, 1);
  EXPECT_TRUE(g_mime_content_type_is_type(g_mime_object_get_content_type(plain), "text", "plain"));
  EXPECT_TRUE(g_mime_content_type_is_type(g_mime_object_get_content_type(html), "text", "html"));
  for (GMimeObject* part : {plain, html}) {
    EXPECT_STREQ(g_mime_text_part_get_charset(reinterpret_cast<GMimeTextPart*>(part)), "utf-8");
  }
  // Decoded, each part is the text in canonical form (CRLF line breaks), whatever its encoding.
  EXPECT_EQ(take(g_mime_text_part_get_text(reinterpret_cast<GMimeTextPart*>(plain))),
            crlf(mail.body_text));
  EXPECT_EQ(take(g_mime_text_part_get_text(reinterpret_cast<GMimeTextPart*>(html))),
            crlf(mail.body_html));
}

TEST(MailCompose, CarriesNonLatinTextInCanonicalForm) {
  OutgoingMail mail = sample_mail();
  mail.body_text = "Здравствуйте, Зоя!\n\nМы получили ваш запрос №42.\n";
  mail.body_html = "<p>お問い合わせありがとうございます。</p>\n";
  auto message = compose(kIdentity, mail, "<abc123@portico.example>", kDate);
  ASSERT_TRUE(message) << message.error().message;
  EXPECT_NE(message->find("Content-Transfer-Encoding: base64"), std::string::npos);
  auto parsed = parse(*message);
  ASSERT_TRUE(parsed);
  auto* alternative = reinterpret_cast<GMimeMultipart*>(g_mime_message_get_mime_part(parsed.get()));
  auto* plain = reinterpret_cast<GMimeTextPart*>(g_mime_multipart_get_part(alternative, 0));
  auto* html = reinterpret_cast<GMimeTextPart*>(g_mime_multipart_get_part(alternative, 1));
  EXPECT_EQ(take(g_mime_text_part_get_text(plain)), crlf(mail.body_text));
  EXPECT_EQ(take(g_mime_text_part_get_text(html)), crlf(mail.body_html));
}

TEST(MailCompose, PlainAsciiStaysReadable) {
  OutgoingMail mail = sample_mail();
  mail.subject = "Reset your password";
  mail.to_name = "Ana Lima";
  mail.body_text = "Hello Ana,\n\nOpen this link.\n";
  auto message = compose(kIdentity, mail, "<a@portico.example>", kDate);
  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(raw_header(*message, "Subject"), "Reset your password");
  EXPECT_NE(message->find("\r\n\r\nHello Ana,\r\n\r\nOpen this link.\r\n"), std::string::npos);
}

TEST(MailCompose, KeepsLineBreaksOutOfHeaders) {
  OutgoingMail mail = sample_mail();
  mail.subject = "Hello\r\nBcc: victim@evil.example";
  mail.to_name = "Eve\nX-Injected: yes";
  auto message = compose(kIdentity, mail, "<a@portico.example>", kDate);
  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(raw_header(*message, "Bcc"), "");
  EXPECT_EQ(raw_header(*message, "X-Injected"), "");
  auto parsed = parse(*message);
  ASSERT_TRUE(parsed);
  EXPECT_STREQ(g_mime_message_get_subject(parsed.get()), "Hello Bcc: victim@evil.example");
}

TEST(MailCompose, OmitsReplyToWhenNotSet) {
  MailIdentity identity = kIdentity;
  identity.reply_to.clear();
  auto message = compose(identity, sample_mail(), "<a@portico.example>", kDate);
  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(raw_header(*message, "Reply-To"), "");
}

TEST(MailCompose, RejectsInvalidAddresses) {
  OutgoingMail mail = sample_mail();
  mail.to_address = "zoe@customer.example>\r\nBcc: x@y.example";
  auto bad_to = compose(kIdentity, mail, "<a@portico.example>", kDate);
  ASSERT_FALSE(bad_to);
  EXPECT_EQ(bad_to.error().code, ErrorCode::kInvalidArgument);

  MailIdentity identity = kIdentity;
  identity.from_address = "not an address";
  auto bad_from = compose(identity, sample_mail(), "<a@portico.example>", kDate);
  ASSERT_FALSE(bad_from);
  EXPECT_EQ(bad_from.error().code, ErrorCode::kInvalidArgument);

  auto bad_id = compose(kIdentity, sample_mail(), "<no-domain>", kDate);
  ASSERT_FALSE(bad_id);
  EXPECT_EQ(bad_id.error().code, ErrorCode::kInvalidArgument);
}

TEST(MailCompose, MakesUniqueMessageIdsInTheSendersDomain) {
  std::string first = make_message_id("support@portico.example");
  std::string second = make_message_id("support@portico.example");
  EXPECT_NE(first, second);
  EXPECT_TRUE(first.starts_with("<"));
  EXPECT_TRUE(first.ends_with("@portico.example>"));
  EXPECT_EQ(first.size(), std::string("<@portico.example>").size() + 32);
}

}  // namespace
}  // namespace portico::mail
