#include "portico/domain/status.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace portico::domain {
namespace {

// Written out independently of the table, from the seed and DESIGN §2, so that a typo in either
// shows up here.
struct Expected {
  int code;
  const char* name;
  std::optional<Team> owner;
  PendingOn pending_on;
};
const std::vector<Expected> kExpected = {
    {1, "Support Team (Notified)", Team::kSupport, PendingOn::kSupport},
    {2, "Waiting on Customer (Initial Information)", std::nullopt, PendingOn::kCustomer},
    {3, "Support Team (Triaging)", Team::kSupport, PendingOn::kSupport},
    {4, "Product Team", Team::kProduct, PendingOn::kSupport},
    {5, "Support Team (Investigating)", Team::kSupport, PendingOn::kSupport},
    {6, "Technical Team", Team::kTechnical, PendingOn::kSupport},
    {7, "Support Team (Information Request)", Team::kSupport, PendingOn::kSupport},
    {8, "Waiting on Customer (Additional Information)", std::nullopt, PendingOn::kCustomer},
    {9, "Support Team (Liaising)", Team::kSupport, PendingOn::kSupport},
    {10, "Technical Team (Investigating)", Team::kTechnical, PendingOn::kSupport},
    {11, "Development Team", Team::kDevelopment, PendingOn::kSupport},
    {12, "Deployment Team", Team::kDeployment, PendingOn::kSupport},
    {13, "Support Team (Fix Validation)", Team::kSupport, PendingOn::kSupport},
    {14, "Waiting on Customer (Fix Validation)", std::nullopt, PendingOn::kCustomer},
    {15, "Closed", std::nullopt, PendingOn::kNobody},
};

std::vector<int> codes(std::span<const Status> statuses) {
  std::vector<int> out;
  for (const Status status : statuses) out.push_back(to_code(status));
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

TEST(StatusTable, HasFifteenUniqueCodesOneToFifteenInOrder) {
  ASSERT_EQ(kStatusTable.size(), 15U);
  ASSERT_EQ(all_statuses().size(), 15U);
  std::set<int> seen;
  for (std::size_t i = 0; i < all_statuses().size(); ++i) {
    const Status status = all_statuses()[i];
    EXPECT_EQ(to_code(status), static_cast<int>(i) + 1);
    EXPECT_EQ(facts(status).status, status);
    seen.insert(to_code(status));
  }
  EXPECT_EQ(seen.size(), 15U);
}

TEST(StatusTable, EnumeratorsHaveTheDesignCodes) {
  EXPECT_EQ(to_code(Status::kSupportTeamNotified), 1);
  EXPECT_EQ(to_code(Status::kWaitingOnCustomerInitialInformation), 2);
  EXPECT_EQ(to_code(Status::kSupportTeamTriaging), 3);
  EXPECT_EQ(to_code(Status::kProductTeam), 4);
  EXPECT_EQ(to_code(Status::kSupportTeamInvestigating), 5);
  EXPECT_EQ(to_code(Status::kTechnicalTeam), 6);
  EXPECT_EQ(to_code(Status::kSupportTeamInformationRequest), 7);
  EXPECT_EQ(to_code(Status::kWaitingOnCustomerAdditionalInformation), 8);
  EXPECT_EQ(to_code(Status::kSupportTeamLiaising), 9);
  EXPECT_EQ(to_code(Status::kTechnicalTeamInvestigating), 10);
  EXPECT_EQ(to_code(Status::kDevelopmentTeam), 11);
  EXPECT_EQ(to_code(Status::kDeploymentTeam), 12);
  EXPECT_EQ(to_code(Status::kSupportTeamFixValidation), 13);
  EXPECT_EQ(to_code(Status::kWaitingOnCustomerFixValidation), 14);
  EXPECT_EQ(to_code(Status::kClosed), 15);
  EXPECT_EQ(kInitialStatus, Status::kSupportTeamNotified);
}

TEST(StatusTable, NamesOwnersAndPendingOnMatchTheSeedAndDesign) {
  for (const Expected& row : kExpected) {
    SCOPED_TRACE(row.name);
    const std::optional<Status> status = status_from_code(row.code);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status_name(*status), row.name);
    EXPECT_EQ(facts(*status).owner, row.owner);
    EXPECT_EQ(facts(*status).pending_on, row.pending_on);
  }
}

TEST(StatusTable, CodesRoundTripAndUnknownCodesAreRejected) {
  for (const Status status : all_statuses()) {
    EXPECT_EQ(status_from_code(to_code(status)), status);
  }
  EXPECT_FALSE(status_from_code(0).has_value());
  EXPECT_FALSE(status_from_code(16).has_value());
  EXPECT_FALSE(status_from_code(-1).has_value());
  EXPECT_FALSE(status_from_code(255).has_value());
}

TEST(StatusTable, SlugsAreUniqueUrlSafeAndRoundTrip) {
  std::set<std::string_view> seen;
  for (const Status status : all_statuses()) {
    const std::string_view slug = status_slug(status);
    SCOPED_TRACE(std::string(slug));
    EXPECT_FALSE(slug.empty());
    EXPECT_TRUE(std::all_of(slug.begin(), slug.end(),
                            [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; }));
    EXPECT_TRUE(seen.insert(slug).second);
    EXPECT_EQ(status_from_slug(slug), status);
  }
  EXPECT_EQ(status_slug(Status::kWaitingOnCustomerInitialInformation),
            "waiting-initial-information");
  EXPECT_FALSE(status_from_slug("").has_value());
  EXPECT_FALSE(status_from_slug("Closed").has_value());
  EXPECT_FALSE(status_from_slug("no-such-status").has_value());
}

TEST(StatusTable, EveryStatusHasADefinition) {
  for (const Status status : all_statuses()) {
    EXPECT_GT(status_definition(status).size(), 40U) << status_name(status);
  }
}

TEST(StatusTable, DefinitionsCoverEveryCaseTheSeedNames) {
  const std::string_view technical = status_definition(Status::kTechnicalTeam);
  EXPECT_TRUE(contains(technical, "Technical Team"));
  EXPECT_TRUE(contains(technical, "Request"));

  const std::string_view information = status_definition(Status::kSupportTeamInformationRequest);
  EXPECT_TRUE(contains(information, "secondary question"));

  for (const Status status :
       {Status::kSupportTeamFixValidation, Status::kWaitingOnCustomerFixValidation}) {
    const std::string_view text = status_definition(status);
    SCOPED_TRACE(std::string(status_name(status)));
    EXPECT_TRUE(contains(text, "permanent fix"));
    EXPECT_TRUE(contains(text, "interim fix"));
    EXPECT_TRUE(contains(text, "clarif"));
    EXPECT_TRUE(contains(text, "workaround"));
    EXPECT_TRUE(contains(text, "Product Suggestion"));
  }

  const std::string_view deployment = status_definition(Status::kDeploymentTeam);
  EXPECT_TRUE(contains(deployment, "key contacts"));
  EXPECT_TRUE(contains(deployment, "deployment schedule"));

  const std::string_view development = status_definition(Status::kDevelopmentTeam);
  EXPECT_TRUE(contains(development, "release version"));

  const std::string_view closed = status_definition(Status::kClosed);
  EXPECT_TRUE(contains(closed, "resolved"));
  EXPECT_TRUE(contains(closed, "confirmed by you"));
  EXPECT_TRUE(contains(closed, "did not respond"));
}

TEST(StatusViews, PendingOnViewsAreDerivedFromTheTable) {
  EXPECT_EQ(codes(statuses_pending_on(PendingOn::kCustomer)), (std::vector<int>{2, 8, 14}));
  EXPECT_EQ(codes(statuses_pending_on(PendingOn::kSupport)),
            (std::vector<int>{1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13}));
  EXPECT_EQ(codes(statuses_pending_on(PendingOn::kNobody)), (std::vector<int>{15}));

  // The three views partition the statuses, each status in the view of its own pending_on.
  std::size_t total = 0;
  for (const PendingOn who : {PendingOn::kSupport, PendingOn::kCustomer, PendingOn::kNobody}) {
    for (const Status status : statuses_pending_on(who)) EXPECT_EQ(facts(status).pending_on, who);
    total += statuses_pending_on(who).size();
  }
  EXPECT_EQ(total, all_statuses().size());
}

TEST(StatusViews, OwnerViewsAreDerivedFromTheTable) {
  EXPECT_EQ(codes(statuses_owned_by(Team::kSupport)), (std::vector<int>{1, 3, 5, 7, 9, 13}));
  EXPECT_EQ(codes(statuses_owned_by(Team::kProduct)), (std::vector<int>{4}));
  EXPECT_EQ(codes(statuses_owned_by(Team::kTechnical)), (std::vector<int>{6, 10}));
  EXPECT_EQ(codes(statuses_owned_by(Team::kDevelopment)), (std::vector<int>{11}));
  EXPECT_EQ(codes(statuses_owned_by(Team::kDeployment)), (std::vector<int>{12}));
}

TEST(StatusViews, WaitingAndOpenFollowPendingOn) {
  for (const Status status : all_statuses()) {
    const std::string_view name = status_name(status);
    SCOPED_TRACE(std::string(name));
    EXPECT_EQ(is_waiting_on_customer(status), name.starts_with("Waiting on Customer"));
    EXPECT_EQ(is_open(status), status != Status::kClosed);
  }
}

TEST(StatusViews, OwnerLabels) {
  EXPECT_EQ(owner_label(Status::kSupportTeamNotified), "Support Team");
  EXPECT_EQ(owner_label(Status::kProductTeam), "Product Team");
  EXPECT_EQ(owner_label(Status::kTechnicalTeamInvestigating), "Technical Team");
  EXPECT_EQ(owner_label(Status::kDevelopmentTeam), "Development Team");
  EXPECT_EQ(owner_label(Status::kDeploymentTeam), "Deployment Team");
  EXPECT_EQ(owner_label(Status::kWaitingOnCustomerAdditionalInformation), "Customer");
  EXPECT_EQ(owner_label(Status::kClosed), "—");
}

TEST(StatusTable, InvalidStatusValueIsABug) {
  EXPECT_THROW(facts(static_cast<Status>(0)), std::out_of_range);
  EXPECT_THROW(facts(static_cast<Status>(16)), std::out_of_range);
}

TEST(StatusPendingOn, SlugsAndLabels) {
  EXPECT_EQ(pending_on_slug(PendingOn::kSupport), "support");
  EXPECT_EQ(pending_on_slug(PendingOn::kCustomer), "customer");
  EXPECT_EQ(pending_on_slug(PendingOn::kNobody), "nobody");
  for (const PendingOn who : {PendingOn::kSupport, PendingOn::kCustomer, PendingOn::kNobody}) {
    EXPECT_EQ(pending_on_from_slug(pending_on_slug(who)), who);
    EXPECT_FALSE(pending_on_label(who).empty());
  }
  EXPECT_FALSE(pending_on_from_slug("everyone").has_value());
}

TEST(StatusTeam, CodesSlugsAndNames) {
  ASSERT_EQ(all_teams().size(), 5U);
  const std::vector<std::pair<std::string_view, std::string_view>> expected = {
      {"support", "Support Team"},       {"product", "Product Team"},
      {"technical", "Technical Team"},   {"development", "Development Team"},
      {"deployment", "Deployment Team"},
  };
  for (std::size_t i = 0; i < all_teams().size(); ++i) {
    const Team team = all_teams()[i];
    EXPECT_EQ(to_code(team), static_cast<int>(i) + 1);
    EXPECT_EQ(team_slug(team), expected[i].first);
    EXPECT_EQ(team_name(team), expected[i].second);
    EXPECT_EQ(team_from_slug(expected[i].first), team);
    EXPECT_EQ(team_from_code(to_code(team)), team);
  }
  EXPECT_EQ(all_teams()[0], Team::kSupport);
  EXPECT_EQ(all_teams()[4], Team::kDeployment);
  EXPECT_FALSE(team_from_code(0).has_value());
  EXPECT_FALSE(team_from_code(6).has_value());
  EXPECT_FALSE(team_from_slug("Support").has_value());
}

TEST(StatusTicketType, CodesSlugsAndLabels) {
  ASSERT_EQ(all_ticket_types().size(), 3U);
  EXPECT_EQ(to_code(TicketType::kProblem), 1);
  EXPECT_EQ(to_code(TicketType::kRequest), 2);
  EXPECT_EQ(to_code(TicketType::kSuggestion), 3);
  EXPECT_EQ(ticket_type_label(TicketType::kProblem), "Problem/Bug");
  EXPECT_EQ(ticket_type_label(TicketType::kRequest), "Request");
  EXPECT_EQ(ticket_type_label(TicketType::kSuggestion), "Product Suggestion");
  EXPECT_EQ(ticket_type_slug(TicketType::kProblem), "problem");
  EXPECT_EQ(ticket_type_slug(TicketType::kRequest), "request");
  EXPECT_EQ(ticket_type_slug(TicketType::kSuggestion), "suggestion");
  for (const TicketType type : all_ticket_types()) {
    EXPECT_EQ(ticket_type_from_slug(ticket_type_slug(type)), type);
    EXPECT_EQ(ticket_type_from_code(to_code(type)), type);
  }
  EXPECT_FALSE(ticket_type_from_code(0).has_value());
  EXPECT_FALSE(ticket_type_from_code(4).has_value());
  EXPECT_FALSE(ticket_type_from_slug("bug").has_value());
}

}  // namespace
}  // namespace portico::domain
