// The parser half of tools/js_check.py: reads {names, files: [{name, source}]} as JSON on stdin and prints a JSON list
// of findings, each {name, line, kind} and then:
//   kind "syntax": message — syntax Safari 12 cannot run;
//   kind "identifier": id — a use of a global in names (a `typeof X` test is not one);
//   kind "member": id, receiver, called — `receiver.id` with id in names, called or not.
// Each source is parsed as an ES2018 script (acorn, pinned in package.json). One that does not parse is parsed again
// at acorn's latest level so that every newer construct in it is named, not only the first; the ES2018 error is
// reported too unless one of those is on its line.
"use strict";

const fs = require("fs");
const acorn = require("acorn");

const ES2018 = { ecmaVersion: 2018, sourceType: "script", locations: true, allowReturnOutsideFunction: false };
const LATEST = { ...ES2018, ecmaVersion: "latest" };
const LOGICAL_ASSIGNMENTS = new Set(["??=", "||=", "&&="]);
const KEYED = new Set(["Property", "MethodDefinition", "PropertyDefinition"]);
const LABELLED = new Set(["LabeledStatement", "BreakStatement", "ContinueStatement"]);
const LOOKBEHIND = /(^|[^\\])\(\?<[=!]/;

/** Call visit(node, parent, key) on node and every node under it. */
function walk(node, visit, parent = null, key = null) {
  visit(node, parent, key);
  for (const [childKey, value] of Object.entries(node)) {
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child.type === "string") walk(child, visit, node, childKey);
    }
  }
}

/** Why a syntax node newer than ES2018 cannot be used, or null. */
function newerSyntax(node) {
  switch (node.type) {
    case "ChainExpression":
      return "optional chaining `?.` is ES2020 (Safari 13.1)";
    case "LogicalExpression":
      return node.operator === "??" ? "`??` is ES2020 (Safari 13.1)" : null;
    case "AssignmentExpression":
      return LOGICAL_ASSIGNMENTS.has(node.operator) ? `\`${node.operator}\` is ES2021 (Safari 14)` : null;
    case "CatchClause":
      return node.param ? null : "`catch {` without a binding is ES2019, newer than ES2018: write `catch (error)`";
    case "ImportExpression":
      return "`import()` is ES2020, newer than ES2018";
    case "PropertyDefinition":
      return "class fields are ES2022 (Safari 14.1)";
    case "PrivateIdentifier":
      return "private `#names` are ES2022 (Safari 15)";
    case "StaticBlock":
      return "class `static {}` blocks are ES2022 (Safari 16.4)";
    case "Literal":
      return newerLiteral(node);
    default:
      return null;
  }
}

/** Why a literal newer than ES2018 cannot be used, or null. */
function newerLiteral(node) {
  if (node.bigint !== undefined) return "BigInt literals `1n` are ES2020 (Safari 14)";
  if (typeof node.value === "number" && node.raw.includes("_")) return "numeric separators are ES2021 (Safari 13)";
  if (node.regex && node.regex.flags.includes("d")) return "the regex flag `d` is ES2022 (Safari 15)";
  if (node.regex && node.regex.flags.includes("v")) return "the regex flag `v` is ES2024 (Safari 17)";
  return null;
}

/** The ES2018 feature Safari 12 lacks: a regex lookbehind. */
function lookbehind(node) {
  const regex = node.type === "Literal" && node.regex;
  return regex && LOOKBEHIND.test(regex.pattern) ? "a regex lookbehind `(?<=` / `(?<!` is newer than Safari 12 (Safari 16.4)" : null;
}

/** A member's property name when it is written out (`a.b`, `a["b"]`), else null. */
function memberName(node) {
  if (!node.computed) return node.property.name;
  return node.property.type === "Literal" && typeof node.property.value === "string" ? node.property.value : null;
}

/** The name of the object a member is read from (`clients` in `self.clients.matchAll`), else null. */
function receiverName(node) {
  if (node.type === "Identifier") return node.name;
  if (node.type === "MemberExpression") return memberName(node);
  return node.type === "ThisExpression" ? "this" : null;
}

/** Whether an identifier is a name written in code rather than a key, a member's property or a label. */
function isReference(parent, key) {
  if (!parent) return true;
  if (parent.type === "MemberExpression" && key === "property") return parent.computed;
  if (KEYED.has(parent.type) && key === "key") return parent.computed;
  if (parent.type === "UnaryExpression" && parent.operator === "typeof") return false;
  return !(LABELLED.has(parent.type) && key === "label");
}

/** The uses of the given names in a syntax tree. */
function uses(tree, names) {
  const found = [];
  walk(tree, (node, parent, key) => {
    const line = node.loc.start.line;
    if (node.type === "Identifier" && names.has(node.name) && isReference(parent, key)) {
      found.push({ line, kind: "identifier", id: node.name });
    } else if (node.type === "MemberExpression" && names.has(memberName(node))) {
      const called = key === "callee" && (parent.type === "CallExpression" || parent.type === "NewExpression");
      found.push({ line, kind: "member", id: memberName(node), receiver: receiverName(node.object), called });
    }
  });
  return found;
}

/** The syntax findings of a tree: for one the ES2018 parser refused, also each construct newer than ES2018. */
function syntaxFindings(tree, refused) {
  const found = [];
  walk(tree, (node) => {
    for (const message of [lookbehind(node), refused ? newerSyntax(node) : null]) {
      if (message) found.push({ line: node.loc.start.line, kind: "syntax", message });
    }
  });
  return found;
}

/** The ES2018 parser's error as a finding, showing the source from where it stopped. */
function parseError(error, source) {
  const { line, column } = error.loc;
  const text = source.split("\n")[line - 1].slice(column).trim();
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  const message = `not ES2018: ${error.message.replace(/ \(\d+:\d+\)$/, "")} at \`${shown}\` (Safari 12)`;
  return { line, kind: "syntax", message };
}

/** Every finding in one source. */
function check(source, names) {
  try {
    const tree = acorn.parse(source, ES2018);
    return [...syntaxFindings(tree, false), ...uses(tree, names)];
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const refusal = parseError(error, source);
    let tree;
    try {
      tree = acorn.parse(source, LATEST);
    } catch (_) {
      return [refusal];
    }
    const found = [...syntaxFindings(tree, true), ...uses(tree, names)];
    const explained = found.some((finding) => finding.kind === "syntax" && finding.line === refusal.line);
    return explained ? found : [refusal, ...found];
  }
}

function main() {
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  const names = new Set(request.names);
  const findings = request.files.flatMap((file) => check(file.source, names).map((f) => ({ name: file.name, ...f })));
  process.stdout.write(JSON.stringify(findings));
}

main();
