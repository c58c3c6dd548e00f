#include "portico/mail/outbox.hpp"

#include <gtest/gtest.h>

#include "portico/mail/smtp_sink.test.hpp"
#include "portico/storage/migrate.hpp"

namespace portico::mail {
namespace {

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = storage::open_database({"sqlite:" + (dir_.path() / "portico.db").string()});
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    auto migrated = storage::migrate(*db_, test::source_dir() / "data" / "migrations");
    ASSERT_TRUE(migrated) << migrated.error().message;
  }

  static OutgoingMail mail_to(std::string address) {
    OutgoingMail mail;
    mail.template_name = "password_reset";
    mail.to_address = std::move(address);
    mail.to_name = "Ana Lima";
    mail.subject = "Reset your password";
    mail.body_text = "Hello Ana,\n";
    mail.body_html = "<p>Hello Ana,</p>";
    return mail;
  }

  Result<std::int64_t> enqueue_one(const OutgoingMail& mail, std::int64_t now) {
    return db_->transaction([&](storage::Connection& conn) { return enqueue(conn, mail, now); });
  }

  test::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
};

TEST_F(OutboxTest, EnqueuedMailIsQueuedAndDueAtOnce) {
  OutgoingMail mail = mail_to("ana@example.com");
  auto id = enqueue_one(mail, 1000);
  ASSERT_TRUE(id) << id.error().message;

  auto entry = get_outbox(*db_, *id);
  ASSERT_TRUE(entry) << entry.error().message;
  EXPECT_EQ(entry->id, *id);
  EXPECT_EQ(entry->template_name, "password_reset");
  EXPECT_EQ(entry->to_address, "ana@example.com");
  EXPECT_EQ(entry->to_name, "Ana Lima");
  EXPECT_EQ(entry->subject, "Reset your password");
  EXPECT_EQ(entry->body_text, "Hello Ana,\n");
  EXPECT_EQ(entry->body_html, "<p>Hello Ana,</p>");
  EXPECT_EQ(entry->ticket_id, std::nullopt);
  EXPECT_EQ(entry->created_at, 1000);
  EXPECT_EQ(entry->state, OutboxState::kQueued);
  EXPECT_EQ(entry->attempts, 0);
  EXPECT_EQ(entry->next_attempt_at, 1000);
  EXPECT_EQ(entry->claimed_until, std::nullopt);
  EXPECT_EQ(entry->last_error, std::nullopt);
  EXPECT_EQ(entry->sent_at, std::nullopt);
  EXPECT_EQ(entry->message_id, std::nullopt);
}

TEST_F(OutboxTest, MailExistsOnlyIfTheCallersTransactionCommits) {
  auto rolled_back = db_->transaction([&](storage::Connection& conn) -> Result<std::int64_t> {
    auto id = enqueue(conn, mail_to("ana@example.com"), 1000);
    if (!id) return id;
    return fail(ErrorCode::kConflict, "the change that caused the mail failed");
  });
  ASSERT_FALSE(rolled_back);
  auto entries = list_outbox(*db_, 10);
  ASSERT_TRUE(entries) << entries.error().message;
  EXPECT_TRUE(entries->empty());
}

TEST_F(OutboxTest, ListsNewestFirstWithPaging) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(enqueue_one(mail_to("user" + std::to_string(i) + "@example.com"), 1000 + i));
  }
  auto first = list_outbox(*db_, 2);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].to_address, "user4@example.com");
  EXPECT_EQ((*first)[1].to_address, "user3@example.com");
  auto rest = list_outbox(*db_, 10, 2);
  ASSERT_TRUE(rest) << rest.error().message;
  ASSERT_EQ(rest->size(), 3u);
  EXPECT_EQ((*rest)[2].to_address, "user0@example.com");
}

TEST_F(OutboxTest, RejectsAnInvalidAddress) {
  for (const char* address : {"", "ana", "@example.com", "ana@", "ana smith@example.com",
                              "ana@example.com>\r\nRCPT TO:<x@y.z", "<ana@example.com>"}) {
    auto id = enqueue_one(mail_to(address), 1000);
    ASSERT_FALSE(id) << address;
    EXPECT_EQ(id.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(id.error().field, "to_address");
  }
}

TEST_F(OutboxTest, UnknownIdIsNotFound) {
  auto entry = get_outbox(*db_, 12345);
  ASSERT_FALSE(entry);
  EXPECT_EQ(entry.error().code, ErrorCode::kNotFound);
}

TEST(OutboxAddress, AcceptsOrdinaryAddresses) {
  for (const char* address : {"ana@example.com", "ana.lima+tickets@mail.example.co.uk",
                              "o'brien@example.ie", "x@localhost"}) {
    EXPECT_TRUE(is_valid_address(address)) << address;
  }
  EXPECT_FALSE(is_valid_address("a@b@c.example"));
  EXPECT_FALSE(is_valid_address(".ana@example.com"));
  EXPECT_FALSE(is_valid_address("ana@example.com."));
  EXPECT_FALSE(is_valid_address("anä@example.com"));
  EXPECT_FALSE(is_valid_address(std::string(65, 'a') + "@example.com"));
}

TEST(OutboxStateNames, RoundTrip) {
  for (auto state :
       {OutboxState::kQueued, OutboxState::kSending, OutboxState::kSent, OutboxState::kFailed}) {
    EXPECT_EQ(parse_outbox_state(to_string(state)), state);
  }
  EXPECT_EQ(parse_outbox_state("lost"), std::nullopt);
}

}  // namespace
}  // namespace portico::mail
