# gedeeld: terms used alike in Dutch and English posts (loanwords, names, acronyms).
#
# The matcher applies every term to every post, whatever its language, so a term that
# Dutch and English share is listed once, here, instead of in both nl-kern and en-core
# (where it would be a duplicate). Same line format and weights as nl-kern.lex.

name: gedeeld
languages: nl, en

[anti_overheid]
regime                    | 1
dictator*                 | 1        # dictators, dictatoriaal, dictatorial
gestapo*                  | 2        # gestapo-methodes, gestapo tactics
eussr                     | 2
corrupt*                  | 1 | | corrupt bestand; corrupte bestanden; corrupte data; corrupt file; corrupted file; corrupted files; corrupted data

[complot]
wef                       | 1        # also neutral news about the World Economic Forum
young global leader*      | 2
klaus schwab              | 1
great reset               | 2
new world order           | 3
nwo                       | 1 | | nwo subsidie; nwo financiering; nwo veni; nwo vidi; nwo vici; nwo onderzoek   # also the Dutch Research Council
deep state                | 2
globalist*                | 2        # globalisten, globalistische, globalists
agenda 2030               | 1.5
agenda 21                 | 1.5
soros*                    | 1.5
rothschild*               | 1.5
bilderberg*               | 1.5
illuminati                | 2
qanon                     | 2
q anon                    | 2
wwg1wga                   | 3
great awakening           | 1.5
pizzagate                 | 3
adrenochrome              | 3
pedo elite                | 3
chemtrail*                | 3
haarp                     | 2
geoengineering            | 1.5
big pharma                | 1.5
false flag                | 2
psyop*                    | 1.5
mind control              | 1.5
cbdc                      | 1
bill gates                | 1
eurabia                   | 3
kalergi*                  | 3        # kalergiplan, kalergi plan
*hoax                     | 1.5      # coronahoax, klimaathoax, climate hoax

[ontmenselijking]
untermensch*              | 3
npc*                      | 1        # 'NPC' for people without a mind of their own; also games

[dreiging]
guillotine                | 2
molotov*                  | 2 | | molotov ribbentrop
doxx*                     | 1.5      # doxxen, doxxing, doxxed

[wij_zij]
elite                     | 1 | | elite eenheid; elite eenheden; elite troepen; elite korps; elite unit; elite units; elite forces; elite athletes; elite sport
woke                      | 1
nazi*                     | 1 | | grammar nazi; soup nazi; nazi duitsland; nazi bezetting; nazi regime; nazi germany; nazi occupation; nazi era
fascist*                  | 1
feminazi*                 | 2        # misogynist slur, so a signal of its own
*terrorist*               | 1 | | terroristische aanslag; terroristische aanslagen; terroristische organisatie; terroristisch misdrijf; terrorist attack; terrorist attacks; terrorist organisation; terrorist organization
gutmensch*                | 1.5
sheeple                   | 2.5
antivax*                  | 1.5
anti vax*                 | 1.5

[uitsluiting]
sharia                    | 1
dhimmi*                   | 2
taqiyya                   | 2
takiya                    | 2

[mediawantrouwen]
msm                       | 1.5      # also "men who have sex with men" in health messaging
fake news                 | 1
mainstream media          | 1.5
propaganda                | 1
lugenpresse               | 3        # Lügenpresse
