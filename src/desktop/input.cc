// Desktop input: pointer and keyboard through XTest.
#include <algorithm>

#include "desktop/desktop.h"
#include "desktop/desktop_impl.h"

namespace mh::desktop {
namespace {

constexpr int kDragSteps = 8;
// Sync with the server every this many typed characters, so a long text cannot pile
// up unbounded in Xlib's buffer and the time limit is checked as we go.
constexpr size_t kTypeSyncEvery = 256;

void FakeKey(::Display* dpy, KeyCode code, bool press) {
  XTestFakeKeyEvent(dpy, code, press ? True : False, CurrentTime);
}

unsigned int ScrollButton(ScrollDirection direction) {
  switch (direction) {
    case ScrollDirection::kUp:
      return 4;
    case ScrollDirection::kDown:
      return 5;
    case ScrollDirection::kLeft:
      return 6;
    case ScrollDirection::kRight:
      return 7;
  }
  return 5;
}

}  // namespace

void Desktop::Impl::LoadKeymap() {
  int max_keycode = 0;
  XDisplayKeycodes(dpy, &min_keycode, &max_keycode);
  int count = max_keycode - min_keycode + 1;
  KeySym* map =
      XGetKeyboardMapping(dpy, static_cast<KeyCode>(min_keycode), count, &keysyms_per_keycode);
  places.clear();
  spare.clear();
  for (int i = 0; i < count; ++i) {
    auto code = static_cast<KeyCode>(min_keycode + i);
    const KeySym* syms = map + static_cast<size_t>(i) * keysyms_per_keycode;
    bool empty = true;
    for (int level = 0; level < keysyms_per_keycode; ++level) {
      if (syms[level] != NoSymbol) empty = false;
    }
    if (empty) {
      spare.push_back(code);
      continue;
    }
    // Levels 0 and 1 are plain and shifted; the first keycode found wins.
    for (int level = 0; level < std::min(keysyms_per_keycode, 2); ++level) {
      KeySym sym = syms[level];
      if (sym != NoSymbol && !places.count(static_cast<KeySymbol>(sym))) {
        places[static_cast<KeySymbol>(sym)] = KeyPlace{code, level == 1};
      }
    }
  }
  XFree(map);
}

Result<KeyPlace> Desktop::Impl::PlaceFor(KeySymbol sym) {
  auto found = places.find(sym);
  if (found != places.end()) return found->second;
  auto mapped = remapped.find(sym);
  if (mapped != remapped.end()) {
    // Most recently used goes to the back.
    spare.remove(mapped->second);
    spare.push_back(mapped->second);
    return KeyPlace{mapped->second, false};
  }
  if (spare.empty()) return FailedPreconditionError("the keyboard map has no spare keycode");
  KeyCode code = spare.front();
  spare.pop_front();
  spare.push_back(code);
  auto previous = remapped_by_code.find(code);
  if (previous != remapped_by_code.end()) {
    // Reusing a keycode: let clients read the keys already sent with the old symbol.
    RETURN_IF_ERROR(Sync());
    remapped.erase(previous->second);
  }
  // The symbol on both the plain and the shifted level, so Shift does not matter.
  std::vector<KeySym> syms(static_cast<size_t>(keysyms_per_keycode), NoSymbol);
  syms[0] = sym;
  if (keysyms_per_keycode > 1) syms[1] = sym;
  XChangeKeyboardMapping(dpy, code, keysyms_per_keycode, syms.data(), 1);
  remapped[sym] = code;
  remapped_by_code[code] = sym;
  return KeyPlace{code, false};
}

Status Desktop::MoveMouse(Point p) {
  RETURN_IF_ERROR(impl_->CheckUsable());
  ArmedScope armed(*impl_->watchdog, impl_->options.action_limit);
  XTestFakeMotionEvent(impl_->dpy, impl_->screen, p.x, p.y, CurrentTime);
  return impl_->Sync();
}

Result<Point> Desktop::CursorPosition() {
  RETURN_IF_ERROR(impl_->CheckUsable());
  ArmedScope armed(*impl_->watchdog, impl_->options.action_limit);
  Window root_return = 0, child = 0;
  int x = 0, y = 0, wx = 0, wy = 0;
  unsigned int mask = 0;
  if (!XQueryPointer(impl_->dpy, impl_->root, &root_return, &child, &x, &y, &wx, &wy, &mask)) {
    RETURN_IF_ERROR(impl_->Sync());
    return InternalError("the pointer is not on this screen");
  }
  RETURN_IF_ERROR(impl_->Sync());
  return Point{x, y};
}

Status Desktop::ButtonDown(MouseButton button) {
  RETURN_IF_ERROR(impl_->CheckUsable());
  ArmedScope armed(*impl_->watchdog, impl_->options.action_limit);
  XTestFakeButtonEvent(impl_->dpy, static_cast<unsigned>(button), True, CurrentTime);
  return impl_->Sync();
}

Status Desktop::ButtonUp(MouseButton button) {
  RETURN_IF_ERROR(impl_->CheckUsable());
  ArmedScope armed(*impl_->watchdog, impl_->options.action_limit);
  XTestFakeButtonEvent(impl_->dpy, static_cast<unsigned>(button), False, CurrentTime);
  return impl_->Sync();
}

Status Desktop::Click(MouseButton button, int count, const KeyChord& modifiers) {
  RETURN_IF_ERROR(KeysDown(modifiers));
  {
    ArmedScope armed(*impl_->watchdog, impl_->options.action_limit);
    for (int i = 0; i < count; ++i) {
      XTestFakeButtonEvent(impl_->dpy, static_cast<unsigned>(button), True, CurrentTime);
      XTestFakeButtonEvent(impl_->dpy, static_cast<unsigned>(button), False, CurrentTime);
    }
    XFlush(impl_->dpy);
  }
  return KeysUp(modifiers);
}

Status Desktop::Scroll(ScrollDirection direction, int amount, const KeyChord& modifiers) {
  RETURN_IF_ERROR(KeysDown(modifiers));
  {
    ArmedScope armed(*impl_->watchdog, impl_->options.action_limit);
    unsigned int button = ScrollButton(direction);
    for (int i = 0; i < amount; ++i) {
      XTestFakeButtonEvent(impl_->dpy, button, True, CurrentTime);
      XTestFakeButtonEvent(impl_->dpy, button, False, CurrentTime);
    }
    XFlush(impl_->dpy);
  }
  return KeysUp(modifiers);
}

Status Desktop::Drag(Point from, Point to) {
  RETURN_IF_ERROR(MoveMouse(from));
  RETURN_IF_ERROR(ButtonDown(MouseButton::kLeft));
  ArmedScope armed(*impl_->watchdog, impl_->options.action_limit);
  // Intermediate motion, so programs that track the drag see it move.
  for (int step = 1; step <= kDragSteps; ++step) {
    int x = from.x + (to.x - from.x) * step / kDragSteps;
    int y = from.y + (to.y - from.y) * step / kDragSteps;
    XTestFakeMotionEvent(impl_->dpy, impl_->screen, x, y, CurrentTime);
  }
  XTestFakeButtonEvent(impl_->dpy, 1, False, CurrentTime);
  return impl_->Sync();
}

Status Desktop::KeysDown(const KeyChord& keys) {
  if (keys.empty()) return Status::Ok();
  RETURN_IF_ERROR(impl_->CheckUsable());
  ArmedScope armed(*impl_->watchdog, impl_->options.action_limit);
  for (KeySymbol sym : keys) {
    ASSIGN_OR_RETURN(KeyPlace place, impl_->PlaceFor(sym));
    FakeKey(impl_->dpy, place.keycode, true);
  }
  return impl_->Sync();
}

Status Desktop::KeysUp(const KeyChord& keys) {
  if (keys.empty()) return Status::Ok();
  RETURN_IF_ERROR(impl_->CheckUsable());
  ArmedScope armed(*impl_->watchdog, impl_->options.action_limit);
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    ASSIGN_OR_RETURN(KeyPlace place, impl_->PlaceFor(*it));
    FakeKey(impl_->dpy, place.keycode, false);
  }
  return impl_->Sync();
}

Status Desktop::PressKeys(const std::vector<KeyChord>& chords) {
  for (const KeyChord& chord : chords) {
    RETURN_IF_ERROR(KeysDown(chord));
    RETURN_IF_ERROR(KeysUp(chord));
  }
  return Status::Ok();
}

Status Desktop::Type(std::string_view text) {
  ASSIGN_OR_RETURN(std::u32string chars, DecodeUtf8(text));
  RETURN_IF_ERROR(impl_->CheckUsable());
  Impl& d = *impl_;
  ArmedScope armed(*d.watchdog, d.options.action_limit);
  ASSIGN_OR_RETURN(KeyPlace shift, d.PlaceFor(XK_Shift_L));
  for (size_t i = 0; i < chars.size(); ++i) {
    ASSIGN_OR_RETURN(KeyPlace place, d.PlaceFor(KeysymForCodePoint(chars[i])));
    if (place.shift) FakeKey(d.dpy, shift.keycode, true);
    FakeKey(d.dpy, place.keycode, true);
    FakeKey(d.dpy, place.keycode, false);
    if (place.shift) FakeKey(d.dpy, shift.keycode, false);
    if ((i + 1) % kTypeSyncEvery == 0) {
      RETURN_IF_ERROR(d.Sync());
      d.watchdog->Arm(d.options.action_limit);  // The limit is per chunk of a long text.
    }
  }
  return d.Sync();
}

}  // namespace mh::desktop
