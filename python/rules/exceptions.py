# Python's exceptions as CPython 3.11 reports them, each next to a pycoro test of the same
# name in src/exceptions/mod.rs. tests/cpython.rs runs this file: every assert is checked.
import traceback


def a_note_is_printed_under_the_exception_line_and_travels_with_a_group_split():
    try:
        try:
            raise OSError('disk full')
        except OSError as e:
            e.add_note('while saving report.txt')
            raise
    except OSError as e:
        assert e.__notes__ == ['while saving report.txt']
        assert traceback.format_exception_only(e) == [
            'OSError: disk full\n', 'while saving report.txt\n']
    group = ExceptionGroup('many', [ValueError('v'), KeyError('k')])
    group.add_note('in the batch')
    values, rest = group.split(ValueError)
    assert values.__notes__ == ['in the batch'] and rest.__notes__ == ['in the batch']
    assert ''.join(traceback.format_exception_only(values)) == (
        'ExceptionGroup: many (1 sub-exception)\nin the batch\n')


a_note_is_printed_under_the_exception_line_and_travels_with_a_group_split()
