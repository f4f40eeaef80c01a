'use strict';
// Ordered speaker lists in the events admin (OrderedAutocompleteSelectMultiple).
//
// Select2 lists the chosen people, and the browser posts them, in the order of the <option>s in
// the <select>. A person chosen again after being removed keeps their old <option>, and so their
// old place. Moving the chosen <option> to the end makes the list follow the order of choosing,
// on screen and in what is saved.
{
    const $ = django.jQuery;

    $(document).on('select2:select', 'select.ordered-autocomplete', function(event) {
        const chosen = String(event.params.data.id);
        const option = Array.from(this.options).find((item) => item.value === chosen);
        if (option && option !== this.options[this.options.length - 1]) {
            this.appendChild(option);
            $(this).trigger('change');
        }
    });
}
