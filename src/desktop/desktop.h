// Desktop: native control of one X display, for agents.
//
// Input goes through XTest (no subprocess per action), screenshots through MIT-SHM
// (XGetImage when shared memory is refused) with the cursor drawn from XFixes, and
// Settle() uses XDamage to wait until the screen has been quiet for a while. Every
// operation has a hard time limit: a watchdog shuts the connection down when one
// runs over, the operation fails with kDeadlineExceeded and the Desktop is broken()
// from then on (make a new one).
//
// Thread-compatible: one call at a time. Owns its X connection.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "desktop/image.h"
#include "desktop/keys.h"
#include "desktop/scaling.h"

namespace mh::desktop {

struct DesktopOptions {
  std::chrono::milliseconds settle_quiet{60};      // No damage for this long: settled.
  std::chrono::milliseconds settle_cap{2000};      // Settle() gives up after this long.
  std::chrono::milliseconds action_limit{15'000};  // Hard limit per operation.
  bool draw_cursor = true;
};

enum class MouseButton { kLeft = 1, kMiddle = 2, kRight = 3 };
enum class ScrollDirection { kUp, kDown, kLeft, kRight };

class Desktop {
 public:
  // Connects to `display_name` (":7") with the cookie in `auth_file` (empty: the
  // default). Errors: kUnavailable (cannot connect), kFailedPrecondition (the server
  // lacks XTest, XDamage or XFixes).
  static Result<std::unique_ptr<Desktop>> Connect(const std::string& display_name,
                                                  const std::string& auth_file,
                                                  DesktopOptions options = {});
  ~Desktop();
  Desktop(const Desktop&) = delete;
  Desktop& operator=(const Desktop&) = delete;

  Size size() const;
  bool using_shm() const;
  // True after a time limit ran out or the server went away.
  bool broken() const;

  // The whole screen, 8-bit RGB, with the cursor drawn when options ask for it.
  Result<Image> Capture();

  // Pointer. Coordinates are screen pixels; callers check bounds (see Scaler).
  Status MoveMouse(Point p);
  Result<Point> CursorPosition();
  Status ButtonDown(MouseButton button);
  Status ButtonUp(MouseButton button);
  // `count` presses and releases (2 = double click) at the current position with
  // `modifiers` held. Never waits for motion events, so clicking where the pointer
  // already is cannot stall.
  Status Click(MouseButton button, int count, const KeyChord& modifiers = {});
  // `amount` wheel clicks (buttons 4-7) with `modifiers` held.
  Status Scroll(ScrollDirection direction, int amount, const KeyChord& modifiers = {});
  // Presses at `from`, moves in steps to `to`, releases.
  Status Drag(Point from, Point to);

  // Keyboard. Each chord is pressed in order and released in reverse.
  Status PressKeys(const std::vector<KeyChord>& chords);
  Status KeysDown(const KeyChord& keys);
  Status KeysUp(const KeyChord& keys);
  // Types `text` (any Unicode: characters missing from the keymap are put on spare
  // keycodes for the time being). Errors: kInvalidArgument for invalid UTF-8.
  Status Type(std::string_view text);

  // Waits until no part of the screen has changed for settle_quiet, up to settle_cap.
  // Returns false when the cap ran out first (still animating).
  Result<bool> Settle();
  // Waits until a top-level window is mapped (a program's window appeared), up to
  // `timeout`. Returns false on time-out.
  Result<bool> WaitForWindow(std::chrono::milliseconds timeout);

  struct Impl;

 private:
  explicit Desktop(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mh::desktop
