#include "tools/schema.h"

#include <cmath>
#include <string>
#include <vector>

namespace mh::tools {
namespace {

bool IsInteger(const Json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool HasType(const Json& v, std::string_view type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return IsInteger(v);
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  return false;
}

std::string Article(std::string_view type) {
  bool vowel = !type.empty() && std::string_view("aeiou").find(type[0]) != std::string_view::npos;
  return std::string(vowel ? "an " : "a ") + std::string(type);
}

// "argument 'x'", "argument 'x[2].name'", or "the arguments" at the top.
std::string Where(const std::string& path) {
  if (path.empty()) return "the arguments";
  return "argument '" + path + "'";
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string FormatNumber(const Json& v) {
  if (IsInteger(v)) return std::to_string(static_cast<long long>(v.get<double>()));
  return v.dump();
}

class Validator {
 public:
  Status Check(const Json& schema, const Json& value, const std::string& path) {
    if (!schema.is_object()) return Status::Ok();
    RETURN_IF_ERROR(CheckType(schema, value, path));
    RETURN_IF_ERROR(CheckEnum(schema, value, path));
    if (value.is_number()) RETURN_IF_ERROR(CheckRange(schema, value, path));
    if (value.is_string()) RETURN_IF_ERROR(CheckLength(schema, value, path));
    if (value.is_array()) RETURN_IF_ERROR(CheckArray(schema, value, path));
    if (value.is_object()) RETURN_IF_ERROR(CheckObject(schema, value, path));
    return Status::Ok();
  }

 private:
  Status CheckType(const Json& schema, const Json& value, const std::string& path) {
    auto it = schema.find("type");
    if (it == schema.end()) return Status::Ok();
    std::vector<std::string> types;
    if (it->is_string()) types.push_back(it->get<std::string>());
    if (it->is_array()) {
      for (const Json& t : *it) {
        if (t.is_string()) types.push_back(t.get<std::string>());
      }
    }
    for (const std::string& t : types) {
      if (HasType(value, t)) return Status::Ok();
    }
    std::string wanted;
    for (size_t i = 0; i < types.size(); ++i) {
      wanted += (i == 0 ? "" : (i + 1 == types.size() ? " or " : ", ")) + Article(types[i]);
    }
    if (path.empty() && types.size() == 1 && types[0] == "object") {
      return InvalidArgumentError("the arguments must be a JSON object, got " +
                                  DescribeJsonValue(value));
    }
    return InvalidArgumentError(Where(path) + " must be " + wanted + ", got " +
                                DescribeJsonValue(value));
  }

  Status CheckEnum(const Json& schema, const Json& value, const std::string& path) {
    auto it = schema.find("enum");
    if (it == schema.end() || !it->is_array()) return Status::Ok();
    std::vector<std::string> options;
    for (const Json& option : *it) {
      if (option == value) return Status::Ok();
      options.push_back(option.dump());
    }
    return InvalidArgumentError(Where(path) + " must be one of " + Join(options) + ", got " +
                                DescribeJsonValue(value));
  }

  Status CheckRange(const Json& schema, const Json& value, const std::string& path) {
    double v = value.get<double>();
    auto min = schema.find("minimum");
    if (min != schema.end() && min->is_number() && v < min->get<double>()) {
      return InvalidArgumentError(Where(path) + " must be at least " + FormatNumber(*min) +
                                  ", got " + FormatNumber(value));
    }
    auto max = schema.find("maximum");
    if (max != schema.end() && max->is_number() && v > max->get<double>()) {
      return InvalidArgumentError(Where(path) + " must be at most " + FormatNumber(*max) +
                                  ", got " + FormatNumber(value));
    }
    return Status::Ok();
  }

  Status CheckLength(const Json& schema, const Json& value, const std::string& path) {
    size_t n = value.get_ref<const std::string&>().size();
    auto min = schema.find("minLength");
    if (min != schema.end() && min->is_number_unsigned() && n < min->get<size_t>()) {
      if (n == 0) return InvalidArgumentError(Where(path) + " must not be empty");
      return InvalidArgumentError(Where(path) + " must be at least " +
                                  std::to_string(min->get<size_t>()) + " characters long");
    }
    auto max = schema.find("maxLength");
    if (max != schema.end() && max->is_number_unsigned() && n > max->get<size_t>()) {
      return InvalidArgumentError(Where(path) + " must be at most " +
                                  std::to_string(max->get<size_t>()) + " characters long, got " +
                                  std::to_string(n));
    }
    return Status::Ok();
  }

  Status CheckArray(const Json& schema, const Json& value, const std::string& path) {
    auto min = schema.find("minItems");
    if (min != schema.end() && min->is_number_unsigned() && value.size() < min->get<size_t>()) {
      return InvalidArgumentError(Where(path) + " must have at least " +
                                  std::to_string(min->get<size_t>()) + " items");
    }
    auto max = schema.find("maxItems");
    if (max != schema.end() && max->is_number_unsigned() && value.size() > max->get<size_t>()) {
      return InvalidArgumentError(Where(path) + " must have at most " +
                                  std::to_string(max->get<size_t>()) + " items");
    }
    auto items = schema.find("items");
    if (items == schema.end()) return Status::Ok();
    for (size_t i = 0; i < value.size(); ++i) {
      RETURN_IF_ERROR(Check(*items, value[i], path + "[" + std::to_string(i) + "]"));
    }
    return Status::Ok();
  }

  Status CheckObject(const Json& schema, const Json& value, const std::string& path) {
    std::string prefix = path.empty() ? "" : path + ".";
    auto required = schema.find("required");
    if (required != schema.end() && required->is_array()) {
      for (const Json& name : *required) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          return InvalidArgumentError("missing required argument '" + prefix +
                                      name.get<std::string>() + "'");
        }
      }
    }
    static const Json kNoProperties = Json::object();
    auto props_it = schema.find("properties");
    const Json& props = props_it != schema.end() ? *props_it : kNoProperties;
    auto additional = schema.find("additionalProperties");
    bool closed =
        additional != schema.end() && additional->is_boolean() && !additional->get<bool>();
    for (auto it = value.begin(); it != value.end(); ++it) {
      auto prop = props.find(it.key());
      if (prop != props.end()) {
        RETURN_IF_ERROR(Check(*prop, it.value(), prefix + it.key()));
      } else if (closed) {
        std::vector<std::string> names;
        for (auto p = props.begin(); p != props.end(); ++p) names.push_back(p.key());
        return InvalidArgumentError("unknown argument '" + prefix + it.key() +
                                    "' (valid: " + Join(names) + ")");
      }
    }
    return Status::Ok();
  }
};

}  // namespace

std::string DescribeJsonValue(const Json& value) {
  constexpr size_t kMaxShown = 40;
  if (value.is_string()) {
    std::string shown = DumpJson(value);
    if (shown.size() > kMaxShown) shown = shown.substr(0, kMaxShown) + "...\"";
    return "string " + shown;
  }
  if (value.is_number_integer()) return "integer " + value.dump();
  if (value.is_number()) return "number " + value.dump();
  if (value.is_boolean()) return "boolean " + value.dump();
  if (value.is_null()) return "null";
  if (value.is_array()) return "an array of " + std::to_string(value.size());
  return "an object";
}

Status ValidateAgainstSchema(const Json& schema, const Json& value) {
  return Validator().Check(schema, value, "");
}

}  // namespace mh::tools
