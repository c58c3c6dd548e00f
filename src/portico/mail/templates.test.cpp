#include "portico/mail/templates.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "portico/mail/smtp_sink.test.hpp"

namespace portico::mail {
namespace {

namespace mustache = kainjow::mustache;

class MailTemplatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = MailTemplates::load(test::source_dir() / "data" / "templates" / "mail");
    ASSERT_TRUE(loaded) << loaded.error().message;
    templates_ = std::make_unique<MailTemplates>(std::move(*loaded));
  }

  static mustache::data invitation_data(std::string days) {
    mustache::data data;
    data.set("product_name", "Portico");
    data.set("name", "Seán O'Brien");
    data.set("inviter_name", "Ana <Support> & Co");
    data.set("organization_name", "Smith & Sons");
    data.set("link", "https://help.example/register?token=a1b2&x=1");
    data.set("expires_in_days", days);
    return data;
  }

  std::unique_ptr<MailTemplates> templates_;
};

TEST_F(MailTemplatesTest, LoadsTheProductTemplates) {
  for (const char* name : {"invitation", "password_reset", "ticket_created"}) {
    EXPECT_TRUE(templates_->contains(name)) << name;
  }
  EXPECT_FALSE(templates_->contains("layout"));
}

TEST_F(MailTemplatesTest, RendersInvitationAsTextAndHtml) {
  auto mail =
      templates_->render("invitation", "sean@smith.example", "Seán O'Brien", invitation_data("7"));
  ASSERT_TRUE(mail) << mail.error().message;
  EXPECT_EQ(mail->template_name, "invitation");
  EXPECT_EQ(mail->to_address, "sean@smith.example");
  EXPECT_EQ(mail->to_name, "Seán O'Brien");
  EXPECT_EQ(mail->subject, "Ana <Support> & Co invited you to Portico");

  // Text is plain: nothing HTML-escaped, the link intact, readable on its own.
  EXPECT_NE(mail->body_text.find("Hello Seán O'Brien,"), std::string::npos) << mail->body_text;
  EXPECT_NE(mail->body_text.find("Smith & Sons"), std::string::npos);
  EXPECT_NE(mail->body_text.find("\nhttps://help.example/register?token=a1b2&x=1\n"),
            std::string::npos);
  EXPECT_NE(mail->body_text.find("expires in 7 days"), std::string::npos);
  EXPECT_EQ(mail->body_text.find("&amp;"), std::string::npos);
  EXPECT_NE(mail->body_text.find("Ana <Support> & Co has invited you"), std::string::npos);
  EXPECT_TRUE(mail->body_text.ends_with(".\n"));

  // HTML is escaped and wrapped in the layout.
  EXPECT_TRUE(mail->body_html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(
      mail->body_html.find("<title>Ana &lt;Support&gt; &amp; Co invited you to Portico</title>"),
      std::string::npos);
  EXPECT_NE(mail->body_html.find("Smith &amp; Sons"), std::string::npos);
  EXPECT_NE(mail->body_html.find("Ana &lt;Support&gt; &amp; Co"), std::string::npos);
  EXPECT_EQ(mail->body_html.find("<Support>"), std::string::npos);
  EXPECT_NE(mail->body_html.find("href=\"https://help.example/register?token=a1b2&amp;x=1\""),
            std::string::npos);
  EXPECT_NE(mail->body_html.find(">Create password</a>"), std::string::npos);
  EXPECT_NE(mail->body_html.find("This is an automated message from Portico."), std::string::npos);
}

TEST_F(MailTemplatesTest, PluralizesCounts) {
  auto one = templates_->render("invitation", "a@b.example", "", invitation_data("1"));
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_NE(one->body_text.find("expires in 1 day."), std::string::npos) << one->body_text;
  EXPECT_NE(one->body_html.find("expires in 1 day."), std::string::npos);

  mustache::data data;
  data.set("name", "Ana");
  data.set("link", "https://help.example/reset?token=t");
  data.set("expires_in_hours", "1");
  auto hour = templates_->render("password_reset", "ana@b.example", "Ana", data);
  ASSERT_TRUE(hour) << hour.error().message;
  EXPECT_EQ(hour->subject, "Reset your password");
  EXPECT_NE(hour->body_text.find("expires in 1 hour."), std::string::npos) << hour->body_text;
  data.set("expires_in_hours", "24");
  auto day = templates_->render("password_reset", "ana@b.example", "Ana", data);
  ASSERT_TRUE(day) << day.error().message;
  EXPECT_NE(day->body_text.find("expires in 24 hours."), std::string::npos);
  EXPECT_NE(day->body_html.find("expires in 24 hours."), std::string::npos);
}

TEST_F(MailTemplatesTest, RendersTicketCreatedWithAOneLineSubject) {
  mustache::data data;
  data.set("ticket_id", "42");
  data.set("subject", "Printer on fire\r\nagain & again");
  data.set("link", "https://help.example/tickets/42");
  auto mail = templates_->render("ticket_created", "ana@b.example", "", data);
  ASSERT_TRUE(mail) << mail.error().message;
  EXPECT_EQ(mail->subject, "[#42] Printer on fire again & again");
  EXPECT_NE(mail->body_text.find("Hello,\n"), std::string::npos) << mail->body_text;
  EXPECT_NE(mail->body_text.find("ticket #42"), std::string::npos);
  EXPECT_NE(mail->body_text.find("\nhttps://help.example/tickets/42\n"), std::string::npos);
  EXPECT_NE(mail->body_html.find("again &amp; again"), std::string::npos);
  EXPECT_NE(mail->body_html.find("This is an automated message."), std::string::npos);

  data.set("name", "Ana");
  auto named = templates_->render("ticket_created", "ana@b.example", "Ana", data);
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_TRUE(named->body_text.starts_with("Hello Ana,\n")) << named->body_text;
}

TEST_F(MailTemplatesTest, UnknownTemplateIsNotFound) {
  auto mail = templates_->render("no_such_mail", "a@b.example", "", mustache::data());
  ASSERT_FALSE(mail);
  EXPECT_EQ(mail.error().code, ErrorCode::kNotFound);
}

TEST_F(MailTemplatesTest, RendersFromManyThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> good = 0;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto mail = templates_->render("invitation", "a@b.example", "",
                                       invitation_data(std::to_string(t + 2)));
        if (mail && mail->body_text.find("expires in " + std::to_string(t + 2) + " days") !=
                        std::string::npos) {
          ++good;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good, 200);
}

void write(const std::filesystem::path& path, std::string_view text) {
  std::ofstream(path) << text;
}

TEST(MailTemplatesLoad, FailsOnAMissingPartOrABrokenTemplate) {
  test::TempDir dir;
  write(dir.path() / "layout.html.mustache", "<html>{{{body}}}</html>");
  write(dir.path() / "hello.subject.mustache", "Hello {{name}}");
  write(dir.path() / "hello.txt.mustache", "Hello {{name}}");
  auto missing = MailTemplates::load(dir.path());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("hello.html.mustache"), std::string::npos);

  write(dir.path() / "hello.html.mustache", "<p>Hello {{#name}}</p>");
  auto broken = MailTemplates::load(dir.path());
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("hello.html.mustache"), std::string::npos);

  write(dir.path() / "hello.html.mustache", "<p>Hello {{name}}</p>");
  auto good = MailTemplates::load(dir.path());
  ASSERT_TRUE(good) << good.error().message;
  mustache::data data;
  data.set("name", "Ana & Bo");
  auto mail = good->render("hello", "a@b.example", "", data);
  ASSERT_TRUE(mail) << mail.error().message;
  EXPECT_EQ(mail->subject, "Hello Ana & Bo");
  EXPECT_EQ(mail->body_text, "Hello Ana & Bo\n");
  EXPECT_EQ(mail->body_html, "<html><p>Hello Ana &amp; Bo</p></html>");
}

TEST(MailTemplatesLoad, FailsWithoutTheLayout) {
  test::TempDir dir;
  auto loaded = MailTemplates::load(dir.path());
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("layout.html.mustache"), std::string::npos);
}

}  // namespace
}  // namespace portico::mail
