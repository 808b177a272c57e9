<?php
// Runs WordPress's own formatting functions (the installed wp-includes/formatting.php) on JSON input,
// for tests/render/test_wpformat_php.py. Only the hooks API and a few helpers are stubbed: apply_filters
// returns its value unchanged, which is what a stock site without plugins does for these filters.
// Input on stdin: [["function", "text"], ...]; output: the results as a JSON list.
$wp = getenv('WP_INCLUDES') ?: '/usr/share/wordpress/wp-includes';
function _x($t, $c = '') { return $t; }
function __($t, $d = '') { return $t; }
function apply_filters($name, $value) { return $value; }
function add_action(...$a) { return true; }
function add_filter(...$a) { return true; }
function get_option($name) { return $name === 'use_smilies' ? true : ($name === 'blog_charset' ? 'UTF-8' : false); }
function current_filter() { return 'the_content'; }
function includes_url($p = '') { return 'http://127.0.0.1/wp-includes/' . $p; }
function site_url() { return 'http://127.0.0.1'; }
function has_filter($a = '', $b = false) { return false; }
function doing_filter($a = null) { return false; }
function wp_load_alloptions() { return ['blog_charset' => 'UTF-8']; }
// Helpers 6.8's formatting.php calls from files this harness does not load (6.1 has neither):
function wp_get_word_count_type() { return 'words'; }          // l10n.php: English counts words
function is_utf8_charset($charset = null) { return true; }       // functions.php: blog_charset is UTF-8
require $wp . '/formatting.php';
require $wp . '/kses.php';
function wp_allowed_protocols() { return ['http', 'https', 'mailto']; }
function wp_parse_url($u, $c = -1) { return parse_url($u, $c); }
// smilies_init() lives in functions.php, which needs a whole WordPress: load just that function.
preg_match('/^function smilies_init\(\) \{.*?^\}$/ms', file_get_contents($wp . '/functions.php'), $m);
eval($m[0]);
$GLOBALS['shortcode_tags'] = array_fill_keys(['embed', 'wp_caption', 'caption', 'gallery', 'playlist', 'audio', 'video'], '__return_false');
smilies_init();
$out = [];
foreach (json_decode(stream_get_contents(STDIN), true) as [$fn, $text]) {
    switch ($fn) {
        case 'wptexturize': $out[] = wptexturize($text); break;
        case 'wpautop': $out[] = wpautop($text); break;
        case 'convert_smilies': $out[] = convert_smilies($text); break;
        case 'convert_chars': $out[] = convert_chars($text); break;
        case 'shortcode_unautop': $out[] = shortcode_unautop($text); break;
        case 'wp_trim_words': $out[] = wp_trim_words($text, 55, ' [&hellip;]'); break;
        case 'capital_P_dangit': $out[] = capital_P_dangit($text); break;
        case 'sanitize_text_field': $out[] = sanitize_text_field($text); break;
        default: $out[] = null;
    }
}
echo json_encode($out);
