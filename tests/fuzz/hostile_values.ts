/**
 * What an attacker types into a pipeline: strings that mean something to one
 * of the languages flowctl writes (YAML, shell, HCL, Go templates, Kubernetes
 * expansion, env files), names of object properties, odd numbers and shapes.
 */
import fc from "fast-check";

/** Each one has broken, or could break, some output language. */
export const HOSTILE_STRINGS: readonly string[] = [
  "", " ", "  x  ", "$", "$$", "$$5", "$5", "$(FLOWCTL_COMPONENT_ID)", "$(PORT)", "$$(PORT)", "$(", "${x}", "$${x}",
  "${HOME}", "%{x}", "%%{x}", "{{ x }}", '{{ "{{" }}', "}}", "'", '"', "\\", "\\n", "\\\"", "\n", "\r\n", "\r", "\t",
  "\u0000", "\u0001", "\u001b[2J", "\u007f", "\u0085", "\u2028", "\u2029", "\ufeff", "\ufeffx", "é", "☕", "𝄞", "\u200b",
  "a".repeat(300), "#", "# x", ": ", "x: y", "- ", "-", "--", "--flag=1", "a=b", "=", "==", "EOT", "  EOT", "<<-EOT",
  "&a", "*a", "<<", "!!str", "!!binary", "?", "|", ">", "yes", "no", "on", "off", "y", "n", "null", "Null", "~", "0x1F",
  "0o17", "017", "1e3", "1_000", ".inf", "-.inf", ".nan", "12:30", "2001-12-14", "__proto__", "constructor", "toString",
  "hasOwnProperty", "../../etc/passwd", "/abs/path", "./rel", "~/home", "C:\\win", "`id`", "$(id)", "; rm -rf /", "&&",
  "|", "&", "*", "[", "]", "{", "}", ",", "@", "name@v1", "org/name@v1", "a/b/c@v", "FLOWCTL_ENDPOINT", "PORT",
  ":50051", "localhost:99999", "0", "65535", "65536", "-1", "http://x", "/health?a=${b}&{{c}}",
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc.array(fc.constantFrom(...HOSTILE_STRINGS), { minLength: 2, maxLength: 4 }).map((parts) => parts.join("")),
  },
);

/** Any value a YAML or JSON file can hold, leaning to the hostile ones. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(0, -1, 1, 0.5, 80, 8080, 65535, 65536, 2 ** 31, 2 ** 53 + 1, 1e308, -0, true, false, null),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom([], {}, [[]], [{}], { a: null }) },
  { weight: 2, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }) },
);

/** Keys a pipeline file knows, and some it must refuse. */
export const FIELD_NAMES: readonly string[] = [
  "apiVersion", "kind", "metadata", "spec", "name", "namespace", "labels", "annotations", "description", "driver",
  "controlPlane", "enabled", "image", "command", "args", "port", "heartbeatInterval", "heartbeatTTL", "storage",
  "sources", "processors", "sinks", "pipelines", "id", "type", "env", "config", "ports", "volumes", "health_check",
  "health_port", "health_endpoint", "replicas", "resources", "requests", "limits", "cpu", "memory", "inputs",
  "depends_on", "restart_policy", "containerPort", "hostPort", "protocol", "mountPath", "container_path", "hostPath",
  "host_path", "readonly", "inputEventTypes", "output_event_types", "x-anchors", "__proto__", "constructor", "",
];

/** Text and bytes to splice into a file: YAML syntax, encodings, line ends. */
export const HOSTILE_SNIPPETS: readonly (string | number[])[] = [
  [0xc3], [0xff], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0x00], "\r", "\r\n", "\t", ": ", "- ", "&a ", "*a", "*b",
  "<<: *a\n", "{", "}", "[", "]", "'", '"', "#", "\n---\n", "\n...\n", "%YAML 1.1\n", "!!binary ", "!!int ", "? ",
  "|\n", ">-\n", "\\", "\ufeff", "\u2028", "\u0085", "  ", "\n  ", "x: &a [1]\n", "y: *a\n",
];
