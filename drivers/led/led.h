/*
 * led.h - the status LED, through the kernel's sysfs LED class
 * (/sys/class/leds/<name>/trigger, brightness, delay_on, delay_off).
 *
 * States and their patterns (blinking by the kernel's "timer" trigger, so
 * it goes on when plugpod stops or hangs; ledtrig-timer must be loaded):
 *   booting     1 Hz blink (500 ms on, 500 ms off)
 *   serving     steady on
 *   no network  a short flash every 2 s (100 ms on, 1900 ms off)
 *   error       fast blink (100 ms on, 100 ms off): plugpod failed to
 *               start or stopped on an error; it stays after the exit
 * Without the timer trigger the blinking states fall back to steady on
 * (booting) or off (no network, error).
 *
 * The LED's name comes from the board's defconfig (CONFIG_POD_LED_NAME);
 * an empty name means no LED (the host) and every call does nothing.
 * Unit tests point the module at a directory with the same layout
 * (drv_led_set_root).
 */
#ifndef POD_DRIVERS_LED_H
#define POD_DRIVERS_LED_H

enum drv_led_state {
    DRV_LED_BOOTING,
    DRV_LED_SERVING,
    DRV_LED_NO_NETWORK,
    DRV_LED_ERROR,
};

/* Uses the LED called name (copied; NULL or "" for none). */
void drv_led_init(const char *name);

/* Shows state; writes sysfs only when it differs from the last one shown.
 * Returns POD_OK (also without an LED), POD_ERR_NOTFOUND when the LED
 * does not exist, POD_ERR_IO when sysfs refuses. Thread-safe. */
int drv_led_set(enum drv_led_state state);

/* Reads and writes under root instead of "/" (root/sys/class/leds/...);
 * NULL restores "/". Forgets the last state. For tests. */
void drv_led_set_root(const char *root);

#endif
