#include "portico/domain/policy.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace portico::domain {
namespace {

constexpr std::int64_t kAcme = 10;
constexpr std::int64_t kGlobex = 20;

Actor customer(std::int64_t user_id, std::optional<std::int64_t> organization_id) {
  return Actor{user_id, Role::kCustomer, organization_id, TeamSet{}};
}
Actor agent(std::int64_t user_id) {
  return Actor{user_id, Role::kAgent, std::nullopt, TeamSet{Team::kSupport}};
}
Actor admin(std::int64_t user_id) { return Actor{user_id, Role::kAdmin, std::nullopt, TeamSet{}}; }

TicketAccess ticket(std::int64_t requester_id, std::optional<std::int64_t> organization_id,
                    bool actor_is_cc = false, Status status = Status::kSupportTeamNotified) {
  return TicketAccess{requester_id, organization_id, actor_is_cc, status};
}

TEST(PolicyView, CustomerSeesOwnCcdAndOrganizationTickets) {
  const Actor alice = customer(1, kAcme);
  EXPECT_TRUE(can_view(alice, ticket(1, kAcme)));                          // hers
  EXPECT_TRUE(can_view(alice, ticket(2, kAcme)));                          // a colleague's
  EXPECT_TRUE(can_view(alice, ticket(3, kGlobex, /*actor_is_cc=*/true)));  // CC'd across orgs
  EXPECT_FALSE(can_view(alice, ticket(3, kGlobex)));                       // another organization
  EXPECT_FALSE(can_view(alice, ticket(3, std::nullopt)));                  // no organization
}

TEST(PolicyView, CustomerWithoutOrganizationSeesOnlyOwnAndCcd) {
  const Actor loner = customer(1, std::nullopt);
  EXPECT_TRUE(can_view(loner, ticket(1, std::nullopt)));
  EXPECT_TRUE(can_view(loner, ticket(2, std::nullopt, true)));
  // Two tickets without organization do not share one.
  EXPECT_FALSE(can_view(loner, ticket(2, std::nullopt)));
  EXPECT_FALSE(can_view(loner, ticket(2, kAcme)));
}

TEST(PolicyView, StaffSeeEverything) {
  for (const Actor& staff : {agent(7), admin(8)}) {
    EXPECT_TRUE(can_view(staff, ticket(1, kAcme)));
    EXPECT_TRUE(can_view(staff, ticket(2, std::nullopt)));
    EXPECT_TRUE(can_see_internal_notes(staff));
  }
  EXPECT_FALSE(can_see_internal_notes(customer(1, kAcme)));
}

TEST(PolicyReply, CustomersReplyWhereTheyCanViewIncludingClosed) {
  const Actor alice = customer(1, kAcme);
  EXPECT_TRUE(can_reply(alice, ticket(1, kAcme)));
  EXPECT_TRUE(can_reply(alice, ticket(2, kAcme)));
  EXPECT_TRUE(can_reply(alice, ticket(1, kAcme, false, Status::kClosed)));
  EXPECT_FALSE(can_reply(alice, ticket(3, kGlobex)));
  EXPECT_TRUE(can_reply(agent(7), ticket(3, kGlobex)));
}

TEST(PolicyStatus, OnlyStaffChangeStatusOnlyAdminsForce) {
  const TicketAccess own = ticket(1, kAcme);
  EXPECT_FALSE(can_change_status(customer(1, kAcme), own));
  EXPECT_TRUE(can_change_status(agent(7), own));
  EXPECT_TRUE(can_change_status(admin(8), own));
  EXPECT_FALSE(can_force_status(customer(1, kAcme)));
  EXPECT_FALSE(can_force_status(agent(7)));
  EXPECT_TRUE(can_force_status(admin(8)));
}

TEST(PolicyNotes, OnlyStaffAddInternalNotes) {
  const TicketAccess own = ticket(1, kAcme);
  EXPECT_FALSE(can_add_internal_note(customer(1, kAcme), own));
  EXPECT_TRUE(can_add_internal_note(agent(7), own));
  EXPECT_TRUE(can_add_internal_note(admin(8), own));
}

TEST(PolicyClose, OnlyTheRequesterClosesAndOnlyWhileOpen) {
  const Actor alice = customer(1, kAcme);
  for (const Status status : all_statuses()) {
    EXPECT_EQ(can_close_as_requester(alice, ticket(1, kAcme, false, status)), is_open(status))
        << status_name(status);
    EXPECT_FALSE(can_close_as_requester(alice, ticket(2, kAcme, true, status)));   // CC'd
    EXPECT_FALSE(can_close_as_requester(alice, ticket(2, kAcme, false, status)));  // colleague
  }
  // Staff close through the workflow, with a resolution.
  EXPECT_FALSE(can_close_as_requester(agent(7), ticket(7, std::nullopt)));
}

TEST(PolicyConfirmFix, RequesterOrCcWhileWaitingOnFixValidation) {
  const Actor alice = customer(1, kAcme);
  for (const Status status : all_statuses()) {
    const bool fix_pending = status == Status::kWaitingOnCustomerFixValidation;
    EXPECT_EQ(can_confirm_fix(alice, ticket(1, kAcme, false, status)), fix_pending);
    EXPECT_EQ(can_confirm_fix(alice, ticket(2, kGlobex, true, status)), fix_pending);
    EXPECT_FALSE(can_confirm_fix(alice, ticket(2, kAcme, false, status)));  // colleague only
    EXPECT_FALSE(can_confirm_fix(agent(7), ticket(7, std::nullopt, false, status)));
  }
}

TEST(PolicyScope, CustomerScopes) {
  const Actor alice = customer(1, kAcme);
  EXPECT_EQ(visibility_scope(alice, TicketView::kMine), (VisibilityScope{false, 1, std::nullopt}));
  EXPECT_EQ(visibility_scope(alice, TicketView::kOrganization), (VisibilityScope{false, 1, kAcme}));
  const Actor loner = customer(2, std::nullopt);
  EXPECT_EQ(visibility_scope(loner, TicketView::kOrganization),
            (VisibilityScope{false, 2, std::nullopt}));
}

TEST(PolicyScope, StaffSeeAllWhateverTheView) {
  for (const Actor& staff : {agent(7), admin(8)}) {
    for (const TicketView view : {TicketView::kMine, TicketView::kOrganization}) {
      const VisibilityScope scope = visibility_scope(staff, view);
      EXPECT_TRUE(scope.all);
      EXPECT_TRUE(in_scope(scope, ticket(99, kGlobex)));
    }
  }
}

TEST(PolicyScope, MineExcludesColleaguesTicketsOrganizationIncludesThem) {
  const Actor alice = customer(1, kAcme);
  const VisibilityScope mine = visibility_scope(alice, TicketView::kMine);
  const VisibilityScope org = visibility_scope(alice, TicketView::kOrganization);
  EXPECT_TRUE(in_scope(mine, ticket(1, kAcme)));
  EXPECT_TRUE(in_scope(mine, ticket(3, kGlobex, true)));
  EXPECT_FALSE(in_scope(mine, ticket(2, kAcme)));
  EXPECT_TRUE(in_scope(org, ticket(2, kAcme)));
  EXPECT_TRUE(in_scope(org, ticket(3, kGlobex, true)));  // CC'd stays visible in the wider view
  EXPECT_FALSE(in_scope(org, ticket(3, kGlobex)));
  EXPECT_FALSE(in_scope(VisibilityScope{}, ticket(1, kAcme)));  // no condition, nothing
}

TEST(PolicyScope, OrganizationScopeAgreesWithCanView) {
  const std::vector<Actor> actors = {
      customer(1, kAcme),   customer(2, kAcme), customer(3, std::nullopt),
      customer(4, kGlobex), agent(7),           admin(8)};
  std::vector<TicketAccess> tickets;
  for (const std::int64_t requester : {1, 2, 3, 4, 5}) {
    for (const std::optional<std::int64_t> org :
         {std::optional<std::int64_t>{kAcme}, std::optional<std::int64_t>{kGlobex},
          std::optional<std::int64_t>{}}) {
      for (const bool cc : {false, true}) tickets.push_back(ticket(requester, org, cc));
    }
  }
  for (const Actor& actor : actors) {
    for (const TicketAccess& t : tickets) {
      EXPECT_EQ(can_view(actor, t), in_scope(visibility_scope(actor, TicketView::kOrganization), t))
          << "actor " << actor.user_id << " requester " << t.requester_id;
      // The narrower view never shows what the actor may not see.
      if (in_scope(visibility_scope(actor, TicketView::kMine), t)) {
        EXPECT_TRUE(can_view(actor, t));
      }
    }
  }
}

TEST(PolicyTicketView, SlugsAndLabels) {
  EXPECT_EQ(ticket_view_slug(TicketView::kMine), "mine");
  EXPECT_EQ(ticket_view_slug(TicketView::kOrganization), "organization");
  EXPECT_EQ(ticket_view_from_slug("mine"), TicketView::kMine);
  EXPECT_EQ(ticket_view_from_slug("organization"), TicketView::kOrganization);
  EXPECT_FALSE(ticket_view_from_slug("all").has_value());
  EXPECT_FALSE(ticket_view_label(TicketView::kMine).empty());
}

TEST(PolicyTeamSet, BitsRoundTrip) {
  TeamSet teams{Team::kSupport, Team::kDeployment};
  EXPECT_TRUE(teams.contains(Team::kSupport));
  EXPECT_TRUE(teams.contains(Team::kDeployment));
  EXPECT_FALSE(teams.contains(Team::kProduct));
  EXPECT_EQ(teams.bits(), 0b1'0001);
  EXPECT_EQ(TeamSet::from_bits(teams.bits()), teams);
  EXPECT_EQ(TeamSet::from_bits(0xFF).bits(), 0b1'1111);
  teams.erase(Team::kSupport);
  EXPECT_FALSE(teams.contains(Team::kSupport));
  teams.erase(Team::kDeployment);
  EXPECT_TRUE(teams.empty());
}

TEST(PolicyRole, Slugs) {
  for (const Role role : {Role::kCustomer, Role::kAgent, Role::kAdmin}) {
    EXPECT_EQ(role_from_slug(role_slug(role)), role);
  }
  EXPECT_EQ(role_slug(Role::kAdmin), "admin");
  EXPECT_FALSE(role_from_slug("root").has_value());
  EXPECT_FALSE(is_staff(Role::kCustomer));
  EXPECT_TRUE(is_staff(Role::kAgent));
  EXPECT_TRUE(is_staff(Role::kAdmin));
}

}  // namespace
}  // namespace portico::domain
