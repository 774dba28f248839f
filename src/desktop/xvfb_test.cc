#include "desktop/xvfb.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "desktop/desktop.h"

namespace mh::desktop {
namespace {

TEST(VirtualDisplayTest, StartsWithAPrivateCookieAndCleansUp) {
  std::string auth, socket;
  {
    auto display = VirtualDisplay::Start({.size = {800, 600}});
    ASSERT_TRUE(display.ok()) << display.error().ToString();
    auth = (*display)->auth_file();
    socket = (*display)->socket_path();
    struct stat st {};
    ASSERT_EQ(stat(auth.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(std::filesystem::exists(socket));
    auto desktop = Desktop::Connect((*display)->name(), auth);
    ASSERT_TRUE(desktop.ok()) << desktop.error().ToString();
    EXPECT_EQ((*desktop)->size(), (Size{800, 600}));
    // A client with another cookie is refused.
    std::string wrong = auth + ".wrong";
    {
      std::ofstream out(wrong, std::ios::binary);
      std::string entry("\xff\xff\0\0\0\0\0\x12MIT-MAGIC-COOKIE-1\0\x10", 28);
      out << entry << std::string(16, 'x');
    }
    auto intruder = Desktop::Connect((*display)->name(), wrong);
    ASSERT_FALSE(intruder.ok());
    EXPECT_EQ(intruder.error().code(), StatusCode::kUnavailable);
  }
  EXPECT_FALSE(std::filesystem::exists(auth));
  EXPECT_FALSE(std::filesystem::exists(socket));
}

TEST(VirtualDisplayTest, RefusesSillySizes) {
  auto display = VirtualDisplay::Start({.size = {0, 600}});
  ASSERT_FALSE(display.ok());
  EXPECT_EQ(display.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mh::desktop
