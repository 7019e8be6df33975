package io.panamax.samples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A minimal GNU-style option parser: {@code --name value}, {@code --name=value} and boolean
 * {@code --flag}; everything else is positional. Unknown options and missing values are
 * {@link UsageException}s naming the option.
 */
final class Options {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Options() {
    }

    /**
     * @param valued the options that take a value
     * @param flags  the options that take none
     */
    static Options parse(String[] args, Set<String> valued, Set<String> flags) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || a.equals("--")) {
                if (a.equals("--")) {
                    for (int j = i + 1; j < args.length; j++) {
                        o.positional.add(args[j]);
                    }
                    break;
                }
                o.positional.add(a);
                continue;
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException("option --" + name + " takes no value");
                }
                o.values.put(name, "true");
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("option --" + name + " needs a value");
                    }
                    value = args[++i];
                }
                o.values.put(name, value);
            } else {
                throw new UsageException("unknown option --" + name + " (see --help)");
            }
        }
        return o;
    }

    String get(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    String get(String name) {
        return values.get(name);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    int intValue(String name, int defaultValue, int min, int max) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " wants a number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException("--" + name + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    List<String> positional() {
        return positional;
    }
}
