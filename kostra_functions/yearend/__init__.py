"""Year-end results: distributing a unit's net result to reserve funds (Kristiansands regler for
årsavslutning), and the order of
cuts at an accounting deficit (økonomireglementet §5.4.2).

**Units' results** (rule set ``kristiansand_resultat``, table ``[arsresultat]``). The net result is
positive for a surplus (overskudd, underspend against the adopted budget frame) and negative for a
deficit (merforbruk), Kristiansands regler for årsavslutning «Netto resultat». Amounts are kroner, handled
to the øre with
:class:`~decimal.Decimal`:

* surplus: «Enheter med overskudd kan … avsette 85 % av dette til disposisjonsfond … 15 % av
  enheters overskudd avsettes til det generelle disposisjonsfondet.» Special projects' unused
  funds go «i sin helhet» (100 %) to the unit's fund;
* **rounding** (our rule; Kristiansands regler for årsavslutning is silent): the unit's share is rounded
*down* to whole øre and
  the general fund gets the rest, so the two parts add up to the surplus exactly, the unit never
  gets more than 85 % and the general fund never less than 15 % (``avrunding = "ned"``; the rule
  set may choose ``"naermeste"``, half up);
* deficit: «enhetens disposisjonsfond [skal] brukes … Hele disposisjonsfondet skal om nødvendig
  benyttes.» What the fund cannot cover makes the fund negative, «skal som hovedregel … være
  tilbakeført innen 2 år etter at underskuddet oppstod»: an instalment plan in equal yearly
  instalments rounded down to the øre, the last instalment taking the remainder; a longer plan only
  when «kommunedirektøren [har åpnet for] en mer langsiktig nedbetalingsplan»;
* municipality in deficit: «I de tilfeller kommunen opererer med et samlet merforbruk etter at det
  generelle disposisjonsfond er oppbrukt, skal avsetning av overskudd i områdene avkortes
  forholdsmessig»: each unit's allocation is reduced by its share of the remaining deficit (at most
  the whole allocation); the reduction is «registrert … under memoriakonti». The 15 % to the
  general fund is not reduced: it goes to the fund that covers the deficit;
* «Alle disposisjonsfond ses under ett. Summen av disse fondene kan ikke bli under null»:
  :func:`close_year` reports by how much the sum would be below zero;
* «Det er ikke anledning til å samle fondsavsetninger på et høyere organisatorisk nivå»:
  :func:`pooled_allocations` names the units whose allocation goes to a shared fund;
* «Enheter kan benytte disposisjonsfond i løpet av året så lenge det sannsynliggjøres at enhetens
  fond vil være positivt eller i balanse ved årets slutt … skal alltid budsjettjusteres»:
  :func:`in_year_fund_use`; «… kan direktøren foreta en omfordeling mellom egne enheters
  disposisjonsfond»: :func:`fund_redistribution`.

Signs follow the accounts everywhere (as KOSTRA_AVVIK): a result or deviation + is a surplus
(mindreforbruk); a net surplus in the investment accounts is typed negative (a revenue) and is
taken to income, not cut (:func:`cuts`).

**Order of cuts** (rule set ``okonomireglement``, table ``[strykning]``): operations cut transfers
to investment, then allocations to funds financed by current revenue, then the budgeted coverage of
earlier deficits, which «skal iht forskriften vernes lengst»; investment reduces budgeted
allocations financed by investment revenue, then budgeted unused untied capital funds, and carries
the rest to the budget of the year the accounts are presented.

The package, one module per job:

* :mod:`~kostra_functions.yearend.amounts`: the rule sets, the accounting year, kroner to the øre;
* :mod:`~kostra_functions.yearend.results`: a unit's result distributed (:func:`distribute_result`,
  :func:`repayment_plan`) and the whole municipality's closing (:func:`close_year`);
* :mod:`~kostra_functions.yearend.cuts`: the order of cuts at an accounting deficit;
* :mod:`~kostra_functions.yearend.funds`: reserve funds used during the year, moved between units,
  pooled.
"""
