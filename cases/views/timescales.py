"""The timescale calculator: statutory dates from any start date."""

from django.shortcuts import render

from cases import selectors
from cases.forms.timescales import TimescaleCalculatorForm
from cases.permissions import Action
from cases.timescales import Event, timescales_for
from cases.web import scope_required


@scope_required(Action.USE_TIMESCALE_CALCULATOR)
def timescale_calculator(request):
    initial = {"partnership": request.scope.partnership}
    form = TimescaleCalculatorForm(request.GET or None, initial=initial)
    workings = None
    if form.is_valid():
        partnership = form.cleaned_data["partnership"]
        workings = timescales_for(
            partnership,
            Event(form.cleaned_data["event"]),
            form.cleaned_data["date"],
            selectors.working_calendar(partnership=partnership),
        )
    return render(request, "cases/timescale_calculator.html", {"form": form, "workings": workings})
