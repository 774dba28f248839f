// Internal to desktop/: the state behind Desktop, shared by desktop.cc (connection,
// capture, settling) and input.cc (pointer and keyboard).
#pragma once

#include <sys/ipc.h>
#include <sys/shm.h>

#include <list>
#include <map>
#include <memory>
#include <vector>

#include "desktop/desktop.h"
#include "desktop/watchdog.h"
#include "desktop/x11.h"

namespace mh::desktop {

// Where a keysym can be typed: its keycode and whether Shift is needed.
struct KeyPlace {
  KeyCode keycode = 0;
  bool shift = false;
};

struct Desktop::Impl {
  ::Display* dpy = nullptr;
  Window root = 0;
  int screen = 0;
  Size size;
  DesktopOptions options;
  int damage_event_base = 0;
  Damage damage = 0;
  bool has_shm = false;
  XShmSegmentInfo shm{};
  XImage* shm_image = nullptr;
  std::unique_ptr<Watchdog> watchdog;

  // Keyboard map: where each keysym is, and keycodes free for temporary symbols.
  int min_keycode = 8;
  int keysyms_per_keycode = 1;
  std::map<KeySymbol, KeyPlace> places;
  std::list<KeyCode> spare;               // Least recently used first.
  std::map<KeySymbol, KeyCode> remapped;  // Symbols put on spare keycodes.
  std::map<KeyCode, KeySymbol> remapped_by_code;

  ~Impl();
  bool broken() const { return watchdog && watchdog->fired(); }
  Status CheckUsable() const;
  void LoadKeymap();
  // Where `sym` can be typed, putting it on a spare keycode when it has none.
  Result<KeyPlace> PlaceFor(KeySymbol sym);
  Status Sync();
};

}  // namespace mh::desktop
