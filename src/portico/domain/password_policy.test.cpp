#include "portico/domain/password_policy.hpp"

#include <gtest/gtest.h>

namespace portico::domain {
namespace {

std::string field_of(const Result<void>& r) { return r ? "" : r.error().field; }

TEST(PasswordPolicy, AcceptsALongUncommonPassword) {
  EXPECT_TRUE(check_password("harbour-lantern-42", "harbour-lantern-42", "ana@example.com"));
}

TEST(PasswordPolicy, RefusesShortPasswords) {
  auto r = check_password("short1", "short1", "ana@example.com");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("too short"), std::string::npos);
  EXPECT_EQ(field_of(r), "password");
  EXPECT_TRUE(check_password("abcdefgh1x", "abcdefgh1x", "ana@example.com"));  // exactly 10
}

TEST(PasswordPolicy, RefusesTheEmailAddressInAnyCase) {
  EXPECT_FALSE(
      check_password("Ana.Long@Example.com", "Ana.Long@Example.com", "ana.long@example.com"));
  EXPECT_FALSE(check_password("anastasia99", "anastasia99", "ANASTASIA99@example.com"));
}

TEST(PasswordPolicy, RefusesCommonPasswords) {
  auto r = check_password("Password123", "Password123", "ana@example.com");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("commonly used"), std::string::npos);
}

TEST(PasswordPolicy, RefusesRepeatedCharacter) {
  EXPECT_FALSE(check_password("aaaaaaaaaaaa", "aaaaaaaaaaaa", "ana@example.com"));
}

TEST(PasswordPolicy, RefusesMismatchedConfirmation) {
  auto r = check_password("harbour-lantern-42", "harbour-lantern-43", "ana@example.com");
  ASSERT_FALSE(r);
  EXPECT_EQ(field_of(r), "password_confirm");
}

TEST(PasswordPolicy, RefusesOverlongPasswords) {
  std::string huge(300, 'x');
  huge[0] = 'y';
  EXPECT_FALSE(check_password(huge, huge, "ana@example.com"));
}

}  // namespace
}  // namespace portico::domain
