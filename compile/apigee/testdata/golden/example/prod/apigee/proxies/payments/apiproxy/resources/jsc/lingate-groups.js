var source = "jwt.JWT-Verify.decoded.claim.groups";
var listed = false;
var roles = [["payments-reader",["support","finance-analysts"]],["payments-writer",["payments-eng","checkout-svc"]]];
// Marks the roles the caller is a member of: lingate.member.<role> is set
// to "true" for each role one of whose groups is, whole and exactly, one of
// the caller's groups. Compiled by lingate; the data above this comment
// (source, listed, and roles as [name, [group, ...]] pairs) is the
// proxy's own.
//
// The caller's groups are read from the variable named by source:
//   - a JSON array (a decoded JWT claim, or an attribute written as one):
//     each string item is a group, whatever characters it holds;
//   - a JSON string: the one group it holds;
//   - otherwise, when listed (a developer app attribute): a comma-separated
//     list, each item trimmed of spaces and tabs; a group holding a comma
//     can only be given in the JSON array form;
//   - otherwise (a JWT string claim): the whole value is one group.
// A value that starts like JSON but does not parse grants nothing.
(function (source, listed, roles) {
  "use strict";

  function lingateTrim(s) {
    return s.replace(/^[ \t]+|[ \t]+$/g, "");
  }

  function lingateJSON(s) {
    try {
      return { ok: true, value: JSON.parse(s) };
    } catch (e) {
      return { ok: false };
    }
  }

  function lingateGroups(raw, listedForm) {
    if (raw === null || raw === undefined) {
      return [];
    }
    var s = String(raw);
    var t = lingateTrim(s);
    var first = t.charAt(0);
    var parsed, out = [], i;
    if (first === "[") {
      parsed = lingateJSON(t);
      if (!parsed.ok || !Array.isArray(parsed.value)) {
        return [];
      }
      for (i = 0; i < parsed.value.length; i++) {
        if (typeof parsed.value[i] === "string") {
          out.push(parsed.value[i]);
        }
      }
      return out;
    }
    if (first === "\"") {
      parsed = lingateJSON(t);
      if (!parsed.ok || typeof parsed.value !== "string") {
        return [];
      }
      return [parsed.value];
    }
    if (!listedForm) {
      return s === "" ? [] : [s];
    }
    var items = s.split(",");
    for (i = 0; i < items.length; i++) {
      var item = lingateTrim(items[i]);
      if (item !== "") {
        out.push(item);
      }
    }
    return out;
  }

  function lingateMark(callerGroups, roleGroups) {
    var r, i, role, groups;
    for (r = 0; r < roleGroups.length; r++) {
      role = roleGroups[r][0];
      groups = roleGroups[r][1];
      for (i = 0; i < groups.length; i++) {
        if (callerGroups.indexOf(groups[i]) >= 0) {
          context.setVariable("lingate.member." + role, "true");
          break;
        }
      }
    }
  }

  lingateMark(lingateGroups(context.getVariable(source), listed), roles);
}(source, listed, roles));
