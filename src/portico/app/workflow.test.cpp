// Service tests: the workflow on a real temporary SQLite database with an injected clock.

#include "portico/app/workflow.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "portico/app/articles.hpp"
#include "portico/app/tickets.hpp"
#include "portico/mail/smtp_sink.test.hpp"
#include "portico/mail/templates.hpp"
#include "portico/storage/db.hpp"
#include "portico/storage/migrate.hpp"

namespace portico::app {
namespace {

namespace fs = std::filesystem;
using storage::Params;

constexpr std::int64_t kDay = 86'400;

class WorkflowService : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("portico-workflow-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    url_ = "sqlite:" + (dir_ / "t.db").string();
    db_ = open(url_);
    auto migrated = storage::migrate(*db_, mail::test::source_dir() / "data" / "migrations");
    ASSERT_TRUE(migrated) << migrated.error().message;
    auto mail = mail::MailTemplates::load(mail::test::source_dir() / "data" / "templates" / "mail");
    ASSERT_TRUE(mail) << mail.error().message;
    mail_ = std::make_unique<mail::MailTemplates>(std::move(*mail));
    env_ = std::make_unique<Env>(
        Env{*db_, *mail_, "http://portico.test", [this] { return now_.load(); }});
    seed();
  }
  void TearDown() override {
    env_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  static std::unique_ptr<storage::Database> open(const std::string& url) {
    storage::DatabaseOptions options;
    options.url = url;
    auto db = storage::open_database(options);
    EXPECT_TRUE(db);
    return std::move(*db);
  }

  std::int64_t insert(std::string_view sql, const Params& params) {
    auto row =
        db_->with_connection([&](storage::Connection& c) { return c.query_one(sql, params); });
    EXPECT_TRUE(row) << row.error().message;
    return row->integer(0);
  }

  void seed() {
    std::int64_t org = insert(
        "INSERT INTO organizations (name, name_key, created_at) VALUES ('Acme', 'acme', 0) "
        "RETURNING id",
        Params());
    auto person = [&](std::string email, std::string role, std::optional<std::int64_t> o,
                      bool key) {
      return insert(
          "INSERT INTO users (email, email_key, name, role, organization_id, is_key_contact, "
          "password_hash, created_at, updated_at) VALUES ($1, $1, $2, $3, $4, $5, 'x', 0, 0) "
          "RETURNING id",
          Params(email, email.substr(0, email.find('@')), role, o, key));
    };
    customer_.id = person("ana@acme.test", "customer", org, true);
    customer_.email = "ana@acme.test";
    customer_.name = "ana";
    customer_.role = domain::Role::kCustomer;
    customer_.organization_id = org;
    agent_.id = person("sam@desk.test", "agent", std::nullopt, false);
    agent_.email = "sam@desk.test";
    agent_.name = "sam";
    agent_.role = domain::Role::kAgent;
    agent_.teams = {domain::Team::kSupport};
    db_->with_connection([&](storage::Connection& c) {
      return c.execute("INSERT INTO user_teams (user_id, team) VALUES ($1, 1)", Params(agent_.id));
    });
  }

  std::int64_t new_ticket() {
    auto id = submit_ticket(*env_, customer_,
                            NewTicket{"problem", "Labels print wrong", "It breaks", {}, {}});
    EXPECT_TRUE(id) << id.error().message;
    return *id;
  }

  domain::Status status_of(std::int64_t id) {
    auto row = db_->with_connection([&](storage::Connection& c) {
      return c.query_one("SELECT status FROM tickets WHERE id = $1", Params(id));
    });
    return *domain::status_from_code(static_cast<int>(row->integer(0)));
  }

  std::int64_t count(std::string_view sql, const Params& params = {}) {
    auto row =
        db_->with_connection([&](storage::Connection& c) { return c.query_one(sql, params); });
    EXPECT_TRUE(row) << row.error().message;
    return row->integer(0);
  }

  Result<StatusChangeOutcome> move(std::int64_t id, std::string to, StatusChange change = {}) {
    change.to = std::move(to);
    return change_status(*env_, agent_, id, change);
  }

  fs::path dir_;
  std::string url_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<mail::MailTemplates> mail_;
  std::unique_ptr<Env> env_;
  std::atomic<std::int64_t> now_{1'800'000'000};
  SessionUser customer_;
  SessionUser agent_;
};

TEST_F(WorkflowService, WaitingOnCustomerNeedsAMessageThatIsMailedToTheRequester) {
  auto id = new_ticket();
  auto refused = move(id, "waiting-initial-information");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "message");
  EXPECT_EQ(status_of(id), domain::Status::kSupportTeamNotified);

  StatusChange change;
  change.message = "Which printer model do you use?";
  ASSERT_TRUE(move(id, "waiting-initial-information", change));
  EXPECT_EQ(status_of(id), domain::Status::kWaitingOnCustomerInitialInformation);
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox WHERE to_address = 'ana@acme.test' AND "
                  "body_text LIKE '%Which printer model%'"),
            1);
  EXPECT_EQ(
      count("SELECT COUNT(*) FROM messages WHERE ticket_id = $1 AND is_internal = 0", Params(id)),
      2);
}

TEST_F(WorkflowService, TicketMailExplainsTheStatusInTheWordingAdminsChose) {
  // The in-memory copy of the wording never ages here: only the save can bring a new wording.
  env_->status_wording =
      std::make_shared<StatusWording>(*db_, StatusWording::kDefaultTimeToLive,
                                      [] { return std::chrono::steady_clock::time_point{}; });
  SessionUser admin;
  admin.role = domain::Role::kAdmin;
  auto status = domain::Status::kWaitingOnCustomerInitialInformation;
  std::string builtin(domain::status_definition(status));
  std::string reworded = "Send us the printer model and the driver version.";
  auto mailed = [&](const std::string& definition) {
    return count(
        "SELECT COUNT(*) FROM outbox WHERE to_address = 'ana@acme.test' AND "
        "body_text LIKE $1 AND body_html LIKE $1",
        Params("%" + definition + "%"));
  };
  StatusChange change;
  change.message = "Which printer model do you use?";

  ASSERT_TRUE(move(new_ticket(), "waiting-initial-information", change));
  EXPECT_EQ(mailed(builtin), 1);

  ASSERT_TRUE(save_status_definition(*env_, admin, status, reworded));
  ASSERT_TRUE(move(new_ticket(), "waiting-initial-information", change));
  EXPECT_EQ(mailed(reworded), 1);
  EXPECT_EQ(mailed(builtin), 1);

  ASSERT_TRUE(save_status_definition(*env_, admin, status, ""));
  ASSERT_TRUE(move(new_ticket(), "waiting-initial-information", change));
  EXPECT_EQ(mailed(reworded), 1);
  EXPECT_EQ(mailed(builtin), 2);
}

TEST_F(WorkflowService, CustomerReplyMovesWaitingTicketToTriaging) {
  auto id = new_ticket();
  StatusChange change;
  change.message = "Which model?";
  ASSERT_TRUE(move(id, "waiting-initial-information", change));
  auto outcome = reply(*env_, customer_, id, "A Zebra ZD420", {});
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(status_of(id), domain::Status::kSupportTeamTriaging);
}

// A runaway thread (a mail loop's thousands of messages) is counted only so far: its newest page
// says how many earlier messages there are up to kEarlierMessagesCounted, then "more".
TEST_F(WorkflowService, EarlierMessagesOfALongThreadAreCountedUpToACap) {
  auto id = new_ticket();  // its description is the first message
  auto add = [&](int n, bool internal, std::int64_t from) {
    count(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $4) "
        "INSERT INTO messages (ticket_id, author_id, body, is_internal, created_at) "
        "SELECT $1, $2, 'message ' || i, $3, $5 + i FROM n RETURNING 1",
        Params(id, customer_.id, internal ? 1 : 0, n, from));
  };
  auto earlier = [&](const SessionUser& who) {
    auto t = get_ticket(*env_, who.actor(), id, std::nullopt);
    EXPECT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->messages.size(), static_cast<std::size_t>(kThreadMessages));
    return std::pair{t->earlier_messages, t->earlier_messages_capped};
  };
  std::int64_t now = now_.load();
  add(kThreadMessages + kEarlierMessagesCounted - 1, false, now);
  EXPECT_EQ(earlier(customer_), std::pair(std::int64_t{kEarlierMessagesCounted}, false));
  // Older internal notes: past the cap for the agent, not counted for the customer.
  add(3, true, now - 1000);
  EXPECT_EQ(earlier(customer_), std::pair(std::int64_t{kEarlierMessagesCounted}, false));
  EXPECT_EQ(earlier(agent_), std::pair(std::int64_t{kEarlierMessagesCounted}, true));
  add(1, false, now + 10'000);
  EXPECT_EQ(earlier(customer_), std::pair(std::int64_t{kEarlierMessagesCounted}, true));
}

// The per-status counts the lists and the desk show come from tables kept by triggers; they must
// agree with the tickets after every kind of change.
TEST_F(WorkflowService, CountTablesFollowEveryStatusChange) {
  auto agree = [&](std::string_view when) {
    auto rows = db_->with_connection([&](storage::Connection& c) {
      return c.query(
          "SELECT (SELECT COUNT(*) FROM (SELECT organization_id, status, COUNT(*) AS n FROM "
          "tickets GROUP BY organization_id, status) t FULL OUTER JOIN (SELECT * FROM "
          "ticket_counts WHERE n <> 0) c USING (organization_id, status) WHERE t.n IS NOT c.n), "
          "(SELECT COUNT(*) FROM (SELECT status, COUNT(*) AS n FROM tickets GROUP BY status) t "
          "FULL OUTER JOIN (SELECT * FROM ticket_status_counts WHERE n <> 0) c USING (status) "
          "WHERE t.n IS NOT c.n), (SELECT COALESCE(SUM(n), 0) FROM ticket_status_counts)");
    });
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_EQ(rows->rows.at(0).integer(0), 0) << "ticket_counts disagrees " << when;
    EXPECT_EQ(rows->rows.at(0).integer(1), 0) << "ticket_status_counts disagrees " << when;
    EXPECT_EQ(rows->rows.at(0).integer(2), count("SELECT COUNT(*) FROM tickets")) << when;
  };
  agree("before any ticket");
  auto first = new_ticket();
  auto second = new_ticket();
  agree("after two new tickets");
  StatusChange change;
  change.message = "Which model?";
  ASSERT_TRUE(move(first, "waiting-initial-information", change));
  agree("after a change of status");
  ASSERT_TRUE(reply(*env_, customer_, first, "A Zebra ZD420", {}));
  agree("after a customer reply moved the ticket");
  StatusChange close;
  close.resolution = "duplicate";
  ASSERT_TRUE(move(second, "closed", close)) << "closing the second ticket";
  agree("after closing");

  // The customer's organization view counts from the tables.
  TicketQuery query;
  query.view = domain::TicketView::kOrganization;
  auto list = list_tickets(*env_, customer_.actor(), query);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->total, 2);
  for (auto [filter, n] : list->counts) {
    if (filter == StatusFilter::kClosed || filter == StatusFilter::kOpen) {
      EXPECT_EQ(n, 1) << status_filter_slug(filter);
    }
  }
}

TEST_F(WorkflowService, RequiredFieldsForDevelopmentDeploymentFixValidationAndClosed) {
  auto id = new_ticket();
  ASSERT_TRUE(move(id, "support-investigating"));
  ASSERT_TRUE(move(id, "technical-team"));
  auto dev = move(id, "development-team");
  ASSERT_FALSE(dev);
  EXPECT_EQ(dev.error().field, "fix_version");
  StatusChange with_version;
  with_version.fix_version = "4.2.1";
  ASSERT_TRUE(move(id, "development-team", with_version));
  auto deploy = move(id, "deployment-team");
  ASSERT_FALSE(deploy);
  EXPECT_EQ(deploy.error().field, "deployment_schedule");
  StatusChange schedule;
  schedule.deployment_schedule = "Saturday 02:00-04:00 UTC";
  ASSERT_TRUE(move(id, "deployment-team", schedule));
  // The key contact hears about the schedule.
  EXPECT_GE(count("SELECT COUNT(*) FROM outbox WHERE to_address = 'ana@acme.test' AND "
                  "body_text LIKE '%Saturday 02:00%'"),
            1);
  auto validation = move(id, "support-fix-validation");
  ASSERT_FALSE(validation);
  EXPECT_EQ(validation.error().field, "fix_given");
  StatusChange fix;
  fix.fix_given = "permanent-fix";
  fix.suggestion_subject = "Let labels use the customer's address book";
  auto filed = move(id, "support-fix-validation", fix);
  ASSERT_TRUE(filed);
  ASSERT_TRUE(filed->suggestion_ticket_id);
  EXPECT_EQ(count("SELECT type FROM tickets WHERE id = $1", Params(*filed->suggestion_ticket_id)),
            domain::to_code(domain::TicketType::kSuggestion));
  auto closed = move(id, "closed");
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().field, "resolution");
}

TEST_F(WorkflowService, AgentsCannotSkipTheTableAndCustomersCannotMoveAtAll) {
  auto id = new_ticket();
  auto skip = move(id, "development-team");
  ASSERT_FALSE(skip);
  EXPECT_EQ(skip.error().code, ErrorCode::kFailedPrecondition);
  StatusChange change;
  change.to = "support-triaging";
  auto by_customer = change_status(*env_, customer_, id, change);
  ASSERT_FALSE(by_customer);
  EXPECT_EQ(by_customer.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(WorkflowService, RemindsThenClosesAfterTheDelaysAndOnlyOnce) {
  auto id = new_ticket();
  StatusChange change;
  change.message = "Please send the log.";
  ASSERT_TRUE(move(id, "waiting-initial-information", change));
  std::int64_t start = now_;
  auto reminders = [&] {
    return count("SELECT COUNT(*) FROM outbox WHERE subject LIKE '%reminder%'");
  };

  now_ = start + 2 * kDay;
  ASSERT_TRUE(run_auto_close(*env_, now_));
  EXPECT_EQ(reminders(), 0);

  now_ = start + 3 * kDay + 1;
  auto first = run_auto_close(*env_, now_);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->reminded, 1);
  EXPECT_EQ(reminders(), 1);
  ASSERT_TRUE(run_auto_close(*env_, now_));
  EXPECT_EQ(reminders(), 1) << "running again sends nothing more";

  now_ = start + 7 * kDay + 1;
  auto second = run_auto_close(*env_, now_);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->closed, 1);
  EXPECT_EQ(status_of(id), domain::Status::kClosed);
  EXPECT_EQ(count("SELECT COUNT(*) FROM tickets WHERE id = $1 AND resolution = 'no-response'",
                  Params(id)),
            1);
  auto third = run_auto_close(*env_, now_ + kDay);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->closed, 0);
}

TEST_F(WorkflowService, CustomerReplyRestartsTheClock) {
  auto id = new_ticket();
  StatusChange change;
  change.message = "Need info";
  ASSERT_TRUE(move(id, "waiting-initial-information", change));
  now_ += 2 * kDay;
  ASSERT_TRUE(reply(*env_, customer_, id, "Here it is", {}));  // moves to Triaging
  change.message = "One more thing";
  ASSERT_TRUE(move(id, "waiting-initial-information", change));
  now_ += 2 * kDay;  // four days since the first request, two since the second
  auto stats = run_auto_close(*env_, now_);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->reminded, 0);
}

TEST_F(WorkflowService, TwoRunnersRacingRemindEachTicketExactlyOnce) {
  constexpr int kTickets = 20;
  StatusChange change;
  change.message = "Please reply";
  for (int i = 0; i < kTickets; ++i) {
    auto id = new_ticket();
    ASSERT_TRUE(move(id, "waiting-initial-information", change));
  }
  now_ += 3 * kDay + 10;
  // Two runners with their own connection pools, as two server processes would have.
  auto other_db = open(url_);
  Env other{*other_db, *mail_, "http://portico.test", [this] { return now_.load(); }};
  std::atomic<int> reminded{0};
  std::atomic<int> errors{0};
  auto runner = [&](Env& env) {
    for (int pass = 0; pass < 3; ++pass) {
      auto stats = run_auto_close(env, now_);
      if (stats)
        reminded += stats->reminded;
      else
        ++errors;
    }
  };
  std::thread a(runner, std::ref(*env_));
  std::thread b(runner, std::ref(other));
  a.join();
  b.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(reminded.load(), kTickets);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ticket_events WHERE kind = 'reminder_sent'"), kTickets);
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox WHERE subject LIKE '%reminder%'"), kTickets);
}

}  // namespace
}  // namespace portico::app
