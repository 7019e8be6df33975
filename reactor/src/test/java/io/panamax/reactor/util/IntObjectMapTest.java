package io.panamax.reactor.util;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link IntObjectMap} against {@code HashMap}: the same answers through puts, removes, growth and probe-run shifts. */
class IntObjectMapTest {

    /**
     * Keys from a small range, so that probe runs are long and wrap around the array's end, and
     * removals shift later entries back into the holes (the case where a lookup must still find
     * every key after its run was cut).
     */
    @Test
    void answersAsAHashMapThroughPutsRemovesAndGrowth() {
        Random r = new Random(16);
        IntObjectMap<String> map = new IntObjectMap<>(4);
        Map<Integer, String> oracle = new HashMap<>();
        for (int step = 0; step < 20_000; step++) {
            int key = r.nextInt(300) - 150;
            switch (r.nextInt(3)) {
                case 0, 1 -> {
                    String value = "v" + step;
                    assertEquals(oracle.put(key, value), map.put(key, value), "put " + key);
                }
                default -> assertEquals(oracle.remove(key), map.remove(key), "remove " + key);
            }
            assertEquals(oracle.size(), map.size());
            if (step % 97 == 0) {
                for (int k = -150; k < 150; k++) {
                    assertEquals(oracle.get(k), map.get(k), "get " + k + " at step " + step);
                    assertEquals(oracle.containsKey(k), map.containsKey(k));
                }
            }
        }
        int[] keys = map.keys();
        Arrays.sort(keys);
        assertArrayEquals(oracle.keySet().stream().mapToInt(Integer::intValue).sorted().toArray(), keys);
    }

    @Test
    void absentKeysNullValuesAndClear() {
        IntObjectMap<String> map = new IntObjectMap<>();
        assertNull(map.get(7));
        assertNull(map.remove(7));
        assertThrows(NullPointerException.class, () -> map.put(7, null));
        map.put(7, "seven");
        map.put(Integer.MIN_VALUE, "min");
        assertEquals("min", map.get(Integer.MIN_VALUE));
        map.clear();
        assertTrue(map.isEmpty());
        assertNull(map.get(7));
    }
}
