// JSON Schema to the OpenAPI subset of Gemini's function declarations (gemini.h).
#include <cctype>
#include <set>

#include "llm/gemini.h"

namespace mh::llm {
namespace {

// $refs nest; past this depth a referenced schema becomes a plain OBJECT (recursive types).
constexpr int kMaxRefDepth = 6;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsKnownType(std::string_view t) {
  static const std::set<std::string, std::less<>> kTypes = {"STRING",  "NUMBER", "INTEGER",
                                                            "BOOLEAN", "ARRAY",  "OBJECT"};
  return kTypes.contains(t);
}

// The schema a local reference ("#/$defs/Name", "#/definitions/Name") points at.
const Json* Resolve(const Json& root, std::string_view ref) {
  for (std::string_view prefix : {"#/$defs/", "#/definitions/"}) {
    if (!ref.starts_with(prefix)) continue;
    std::string holder(prefix.substr(2, prefix.size() - 3));
    auto defs = root.find(holder);
    if (defs == root.end() || !defs->is_object()) return nullptr;
    auto it = defs->find(std::string(ref.substr(prefix.size())));
    return it != defs->end() && it->is_object() ? &*it : nullptr;
  }
  return nullptr;
}

// Formats Gemini accepts, by type; any other format is refused with a 400.
bool FormatAllowed(std::string_view type, std::string_view format) {
  if (type == "STRING") return format == "enum" || format == "date-time";
  if (type == "INTEGER") return format == "int32" || format == "int64";
  if (type == "NUMBER") return format == "float" || format == "double";
  return false;
}

Json Convert(const Json& schema, const Json& root, int depth);

void CopyNumbers(const Json& schema, Json& out) {
  for (const char* key : {"minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum",
                          "minProperties", "maxProperties"}) {
    if (auto it = schema.find(key); it != schema.end() && it->is_number()) out[key] = *it;
  }
}

void ConvertType(const Json& schema, Json& out) {
  auto type = schema.find("type");
  if (type == schema.end()) return;
  if (type->is_string()) {
    std::string t = Upper(type->get<std::string>());
    if (t == "NULL") {
      out["nullable"] = true;
    } else if (IsKnownType(t)) {
      out["type"] = t;
    }
    return;
  }
  if (!type->is_array()) return;
  for (const Json& item : *type) {
    if (!item.is_string()) continue;
    std::string t = Upper(item.get<std::string>());
    if (t == "NULL") {
      out["nullable"] = true;
    } else if (IsKnownType(t) && !out.contains("type")) {
      out["type"] = t;
    }
  }
}

void ConvertEnum(const Json& schema, Json& out) {
  Json values = Json::array();
  if (auto c = schema.find("const"); c != schema.end()) values.push_back(*c);
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) values = *e;
  if (values.empty()) return;
  // Gemini enums are strings of a STRING schema; other enums stay described, not enforced.
  for (const Json& v : values) {
    if (!v.is_string()) return;
  }
  out["type"] = "STRING";
  out["format"] = "enum";
  out["enum"] = std::move(values);
}

void ConvertObject(const Json& schema, const Json& root, int depth, Json& out) {
  auto props = schema.find("properties");
  if (props == schema.end() || !props->is_object() || props->empty()) return;
  Json properties = Json::object();
  for (const auto& [name, sub] : props->items()) properties[name] = Convert(sub, root, depth);
  Json required = Json::array();
  if (auto req = schema.find("required"); req != schema.end() && req->is_array()) {
    for (const Json& name : *req) {
      if (name.is_string() && properties.contains(name.get<std::string>())) {
        required.push_back(name);
      }
    }
  }
  out["properties"] = std::move(properties);
  if (!required.empty()) out["required"] = std::move(required);
  if (!out.contains("type")) out["type"] = "OBJECT";
}

Json Convert(const Json& schema, const Json& root, int depth) {
  if (!schema.is_object()) return Json::object();
  if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
    const Json* target = Resolve(root, ref->get<std::string>());
    if (target == nullptr || depth >= kMaxRefDepth) return {{"type", "OBJECT"}};
    Json out = Convert(*target, root, depth + 1);
    if (auto d = schema.find("description"); d != schema.end() && d->is_string()) {
      out["description"] = *d;
    }
    return out;
  }
  Json out = Json::object();
  ConvertType(schema, out);
  if (auto d = schema.find("description"); d != schema.end() && d->is_string()) {
    out["description"] = *d;
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    auto alts = schema.find(key);
    if (alts == schema.end() || !alts->is_array()) continue;
    Json any = Json::array();
    for (const Json& alt : *alts) {
      // {"type": "null"} among the alternatives means nullable, as Gemini says it.
      if (alt.is_object() && alt.size() == 1 && alt.value("type", "") == "null") {
        out["nullable"] = true;
        continue;
      }
      any.push_back(Convert(alt, root, depth));
    }
    if (any.size() == 1) {
      Json only = std::move(any[0]);
      for (auto& [k, v] : only.items()) {
        if (!out.contains(k)) out[k] = v;
      }
    } else if (!any.empty()) {
      out["anyOf"] = std::move(any);
    }
  }
  ConvertEnum(schema, out);
  if (auto f = schema.find("format");
      f != schema.end() && f->is_string() && !out.contains("enum")) {
    if (FormatAllowed(out.value("type", ""), f->get<std::string>())) out["format"] = *f;
  }
  if (auto items = schema.find("items"); items != schema.end() && items->is_object()) {
    out["items"] = Convert(*items, root, depth);
    if (!out.contains("type")) out["type"] = "ARRAY";
  }
  ConvertObject(schema, root, depth, out);
  if (auto p = schema.find("pattern"); p != schema.end() && p->is_string()) out["pattern"] = *p;
  CopyNumbers(schema, out);
  return out;
}

}  // namespace

Json GeminiSchema(const Json& schema) { return Convert(schema, schema, 0); }

}  // namespace mh::llm
